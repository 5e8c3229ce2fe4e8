package passhash_test

import (
	"crypto/sha256"
	"strings"
	"testing"

	"github.com/depc-dev/depc/passhash"
)

func TestHashVerify(t *testing.T) {
	const token = "a token people chose, 32 characters or more"
	h := passhash.Hash(token)
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") || strings.Contains(h, token) {
		t.Fatalf("Hash = %q", h)
	}
	if h2 := passhash.Hash(token); h2 == h {
		t.Errorf("two hashes of one token are equal: no salt")
	}
	if ok, rehash, err := passhash.Verify(h, token); !ok || rehash || err != nil {
		t.Errorf("Verify(right) = %v, %v, %v", ok, rehash, err)
	}
	for _, wrong := range []string{"", token + " ", strings.ToUpper(token)} {
		if ok, _, err := passhash.Verify(h, wrong); ok || err != nil {
			t.Errorf("Verify(%q) = %v, %v", wrong, ok, err)
		}
	}
	// Weaker parameters verify, and ask for a new hash.
	weak := "$argon2id$v=19$m=4096,t=1,p=1$c2FsdHNhbHRzYWx0$" // salt "saltsaltsalt"
	if _, _, err := passhash.Verify(weak+"AAAAAAAAAAAAAAAAAAAAAA", token); err != nil {
		t.Errorf("Verify(weak params) = %v", err)
	}
}

func TestLegacy(t *testing.T) {
	const token = "configured"
	old := passhash.Legacy(sha256.Sum256([]byte(token)))
	if ok, rehash, err := passhash.Verify(old, token); !ok || !rehash || err != nil {
		t.Errorf("Verify(legacy, right) = %v, %v, %v; want ok and rehash", ok, rehash, err)
	}
	if ok, rehash, _ := passhash.Verify(old, "other"); ok || rehash {
		t.Errorf("Verify(legacy, wrong) = %v, %v", ok, rehash)
	}
	// Upper-case hex (SQLite's hex()) verifies too.
	if ok, _, err := passhash.Verify(old[:7]+strings.ToUpper(old[7:]), token); !ok || err != nil {
		t.Errorf("Verify(legacy in upper case) = %v, %v", ok, err)
	}
}

func TestMalformed(t *testing.T) {
	for _, h := range []string{"", "x", "sha256$zz", "sha256$abcd", "$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=16$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=99999999,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=19456,t=2000,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=19456,t=2,p=1$!!$aGFzaGhhc2hoYXNoaGFzaA",
	} {
		if ok, _, err := passhash.Verify(h, "t"); ok || err == nil {
			t.Errorf("Verify(%q) = %v, %v; want ErrMalformed", h, ok, err)
		}
	}
}
