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
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, memoryKiB, passes, lanes,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

// LegacySHA256 is the prefix of the SHA-256 hashes of depc before argon2id.
const LegacySHA256 = "sha256$"

// ErrMalformed is the error of a hash Verify cannot read.
var ErrMalformed = errors.New("passhash: malformed hash")

// maxParams bound what a stored hash may ask of Verify: a hash is read
// from the database, and must not make one check take minutes.
const (
	maxMemoryKiB = 1 << 20 // 1 GiB
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
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return false, false, ErrMalformed
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, false, ErrMalformed
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil ||
		m < 8 || m > maxMemoryKiB || t < 1 || t > maxPasses || p < 1 || p > maxLanes {
		return false, false, ErrMalformed
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(salt) < 8 || len(want) < 16 || len(want) > 64 {
		return false, false, ErrMalformed
	}
	got := argon2.IDKey([]byte(token), salt, t, m, p, uint32(len(want)))
	ok = subtle.ConstantTimeCompare(got, want) == 1
	return ok, ok && (m < memoryKiB || t < passes), nil
}

// Legacy returns the old form of a SHA-256 hash of a token, as depc
// stored it before argon2id (for stores and tests that meet one).
func Legacy(sum [sha256.Size]byte) string { return LegacySHA256 + hex.EncodeToString(sum[:]) }
