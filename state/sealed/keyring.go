package sealed

import (
	"bufio"
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/depc-dev/depc"
)

// KeySize is the size of a key: AES-256.
const KeySize = 32

// Prefix starts every sealed value; "v1" is the format: AES-256-GCM with a
// random 96-bit nonce, the key id and format as additional data.
const Prefix = "depc-sealed:v1:"

// key is one key of a keyring.
type key struct {
	id   string // 16 hex digits of the key's SHA-256, never the key
	text string // as written in DEPC_SECRET_KEY or the key file
	aead cipher.AEAD
}

// Keyring holds the keys that open sealed values; the first one seals. It
// is safe for concurrent use. A keyring read from a key file reads it
// again before sealing and when a value names a key it does not have, so
// that a server keeps working while `depc secrets rotate` replaces the
// file's key.
type Keyring struct {
	mu   sync.RWMutex
	keys []key
	file string
}

// NewKey returns a new random key, in base64.
func NewKey() string {
	var b [KeySize]byte
	rand.Read(b[:]) // never fails (crypto/rand, Go 1.24+)
	return base64.StdEncoding.EncodeToString(b[:])
}

// ParseKeys reads a keyring from a list of base64 keys separated by commas
// or new lines (DEPC_SECRET_KEY="new,old" while rotating), the first one
// sealing. Errors name field.
func ParseKeys(field, text string) (*Keyring, error) {
	keys, err := parseKeys(field, text)
	if err != nil {
		return nil, err
	}
	return &Keyring{keys: keys}, nil
}

func parseKeys(field, text string) ([]key, error) {
	var keys []key
	seen := map[string]bool{}
	for _, part := range strings.FieldsFunc(text, func(r rune) bool { return r == ',' || r == '\n' || r == '\r' }) {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, err := newKey(part)
		if err != nil {
			return nil, depc.Errorf(depc.EINVALID, "%s: key %d: %v (make one with: openssl rand -base64 32)", field, len(keys)+1, err)
		}
		if !seen[k.id] {
			seen[k.id] = true
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return nil, depc.Errorf(depc.EINVALID, "%s: no key (make one with: openssl rand -base64 32)", field)
	}
	return keys, nil
}

func newKey(text string) (key, error) {
	var raw []byte
	var err error
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if raw, err = enc.DecodeString(text); err == nil {
			break
		}
	}
	if err != nil || len(raw) != KeySize {
		return key{}, fmt.Errorf("must be %d bytes in base64", KeySize)
	}
	block, err := aes.NewCipher(raw)
	if err != nil {
		return key{}, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return key{}, err
	}
	sum := sha256.Sum256(append([]byte("depc secret key id\x00"), raw...))
	return key{id: hex.EncodeToString(sum[:8]), text: text, aead: aead}, nil
}

// KeyFileName is the key file's name in the data directory.
const KeyFileName = "secret.key"

// OpenKeyFile reads the keyring of a key file, creating the file with a new
// key and mode 0600 when it does not exist (created says so). A file that
// others than its owner may read or write is refused.
func OpenKeyFile(path string) (kr *Keyring, created bool, err error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	switch {
	case err == nil:
		_, werr := fmt.Fprintln(f, NewKey())
		if err := errors.Join(werr, f.Sync(), f.Close()); err != nil {
			os.Remove(path)
			return nil, false, fmt.Errorf("%s: %w", path, err)
		}
		created = true
	case !errors.Is(err, fs.ErrExist):
		return nil, false, fmt.Errorf("%s: %w", path, err)
	}
	keys, err := readKeyFile(path)
	if err != nil {
		return nil, false, err
	}
	return &Keyring{keys: keys, file: path}, created, nil
}

func readKeyFile(path string) ([]key, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("%s: mode %04o lets other users read the key; chmod 600 %s", path, st.Mode().Perm(), path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var lines []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" && !strings.HasPrefix(l, "#") {
			lines = append(lines, l)
		}
	}
	return parseKeys(path, strings.Join(lines, "\n"))
}

// WriteKeyFile replaces a key file with the keys, the first one sealing,
// atomically and with mode 0600.
func WriteKeyFile(path string, keys ...string) error {
	if _, err := parseKeys(path, strings.Join(keys, "\n")); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	_, werr := fmt.Fprintln(tmp, strings.Join(keys, "\n"))
	if err := errors.Join(werr, tmp.Chmod(0o600), tmp.Sync(), tmp.Close()); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return os.Rename(tmp.Name(), path)
}

// reload reads the key file again, if the keyring has one.
func (k *Keyring) reload() error {
	if k.file == "" {
		return nil
	}
	keys, err := readKeyFile(k.file)
	if err != nil {
		return err
	}
	k.mu.Lock()
	k.keys = keys
	k.mu.Unlock()
	return nil
}

// Current returns the id of the key that seals.
func (k *Keyring) Current() string {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.keys[0].id
}

// Texts returns the keys as written, the sealing one first.
func (k *Keyring) Texts() []string {
	k.mu.RLock()
	defer k.mu.RUnlock()
	out := make([]string, len(k.keys))
	for i, key := range k.keys {
		out[i] = key.text
	}
	return out
}

func (k *Keyring) find(id string) (key, bool) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	for _, key := range k.keys {
		if key.id == id {
			return key, true
		}
	}
	return key{}, false
}

// Seal encrypts plain with the current key.
func (k *Keyring) Seal(plain []byte) (string, error) {
	if err := k.reload(); err != nil {
		return "", err
	}
	k.mu.RLock()
	cur := k.keys[0]
	k.mu.RUnlock()
	head := Prefix + cur.id + ":"
	nonce := make([]byte, cur.aead.NonceSize(), cur.aead.NonceSize()+len(plain)+cur.aead.Overhead())
	rand.Read(nonce)
	out := cur.aead.Seal(nonce, nonce, plain, []byte(head))
	return head + base64.RawURLEncoding.EncodeToString(out), nil
}

// IsSealed reports whether s is a sealed value, and the id of its key.
func IsSealed(s string) (keyID string, ok bool) {
	rest, ok := strings.CutPrefix(s, Prefix)
	if !ok {
		return "", false
	}
	id, _, ok := strings.Cut(rest, ":")
	return id, ok
}

// ErrUnknownKey is the cause of the error of a value sealed with a key the
// keyring does not have.
var ErrUnknownKey = errors.New("sealed with an unknown key")

// Open decrypts a sealed value.
func (k *Keyring) Open(sealed string) ([]byte, error) {
	id, ok := IsSealed(sealed)
	if !ok {
		return nil, errors.New("not a sealed value")
	}
	cur, ok := k.find(id)
	if !ok {
		if err := k.reload(); err != nil {
			return nil, err
		}
		if cur, ok = k.find(id); !ok {
			return nil, fmt.Errorf("key %s: %w", id, ErrUnknownKey)
		}
	}
	head := Prefix + id + ":"
	data, err := base64.RawURLEncoding.DecodeString(sealed[len(head):])
	if err != nil || len(data) < cur.aead.NonceSize() {
		return nil, errors.New("a sealed value is damaged")
	}
	plain, err := cur.aead.Open(nil, data[:cur.aead.NonceSize()], data[cur.aead.NonceSize():], []byte(head))
	if err != nil {
		return nil, errors.New("a sealed value does not open with its key (damaged or altered)")
	}
	return plain, nil
}
