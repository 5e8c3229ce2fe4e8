package passhash

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// The argon2id parameters of new hashes: OWASP's minimum for argon2id
// (19 MiB, 2 passes, 1 lane), about 30 ms on a server core.
const (
	memoryKiB = 19 * 1024
	passes    = 2
	lanes     = 1
	saltLen   = 16
	keyLen    = 32
)

// Hash returns the argon2id hash of a token, with a new random salt.
func Hash(token string) string {
	salt := make([]byte, saltLen)
	rand.Read(salt) // never fails (crypto/rand, Go 1.24+)
	key := argon2.IDKey([]byte(token), salt, passes, memoryKiB, lanes, keyLen)
	return phc{memory: memoryKiB, passes: passes, lanes: lanes, salt: salt, key: key}.String()
}

// LegacySHA256 is the prefix of the SHA-256 hashes of depc before argon2id.
const LegacySHA256 = "sha256$"

// ErrMalformed is the error of a hash Verify cannot read.
var ErrMalformed = errors.New("passhash: malformed hash")

// maxParams bound what a stored hash may ask of Verify: a hash is read
// from the database, and must not make one check take minutes.
const (
	maxMemoryKiB = 256 << 10 // 256 MiB
	maxPasses    = 16
	maxLanes     = 16
)

// Verify reports whether token matches hash, in time independent of where
// they differ, and whether the hash should be replaced by Hash(token) (it
// is the old SHA-256, or weaker than Hash's parameters).
func Verify(hash, token string) (ok, rehash bool, err error) {
	if hexSum, found := strings.CutPrefix(hash, LegacySHA256); found {
		want, err := hex.DecodeString(hexSum)
		if err != nil || len(want) != sha256.Size {
			return false, false, ErrMalformed
		}
		got := sha256.Sum256([]byte(token))
		ok = subtle.ConstantTimeCompare(got[:], want) == 1
		return ok, ok, nil
	}
	ph, err := parse(hash)
	if err != nil {
		return false, false, err
	}
	m, t, p, salt, want := ph.memory, ph.passes, ph.lanes, ph.salt, ph.key
	got := argon2.IDKey([]byte(token), salt, t, m, p, uint32(len(want)))
	ok = subtle.ConstantTimeCompare(got, want) == 1
	return ok, ok && (m < memoryKiB || t < passes), nil
}

// Legacy returns the old form of a SHA-256 hash of a token, as depc
// stored it before argon2id (for stores and tests that meet one).
func Legacy(sum [sha256.Size]byte) string { return LegacySHA256 + hex.EncodeToString(sum[:]) }

// phc is an argon2id hash read from its PHC string.
type phc struct {
	memory, passes uint32
	lanes          uint8
	salt, key      []byte
}

// parse reads an argon2id PHC string, refusing parameters that would make
// one check take minutes or gigabytes.
func parse(hash string) (phc, error) {
	// base64 decoding skips \r and \n, even in strict mode: a hash with
	// them would parse as another string than it is (found by FuzzParse).
	if strings.ContainsAny(hash, "\r\n") {
		return phc{}, ErrMalformed
	}
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return phc{}, ErrMalformed
	}
	var version int
	if n, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || n != 1 || version != argon2.Version || parts[2] != fmt.Sprintf("v=%d", version) {
		return phc{}, ErrMalformed
	}
	var h phc
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &h.memory, &h.passes, &h.lanes); err != nil ||
		parts[3] != fmt.Sprintf("m=%d,t=%d,p=%d", h.memory, h.passes, h.lanes) ||
		h.memory < 8*uint32(h.lanes) || h.memory > maxMemoryKiB || h.passes < 1 || h.passes > maxPasses || h.lanes < 1 || h.lanes > maxLanes {
		return phc{}, ErrMalformed
	}
	var err1, err2 error
	h.salt, err1 = base64.RawStdEncoding.Strict().DecodeString(parts[4])
	h.key, err2 = base64.RawStdEncoding.Strict().DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(h.salt) < 8 || len(h.salt) > 64 || len(h.key) < 16 || len(h.key) > 64 {
		return phc{}, ErrMalformed
	}
	return h, nil
}

// String writes the hash in its PHC form.
func (h phc) String() string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, h.memory, h.passes, h.lanes,
		base64.RawStdEncoding.EncodeToString(h.salt), base64.RawStdEncoding.EncodeToString(h.key))
}
