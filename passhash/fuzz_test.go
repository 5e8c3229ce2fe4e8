package passhash

import (
	"bytes"
	"testing"
)

// FuzzParse: a stored hash read back never panics the parser, and what it
// accepts it writes back as the same string (one form per hash, so no
// two strings mean one hash with different checks).
func FuzzParse(f *testing.F) {
	f.Add("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g")
	f.Add("$argon2id$v=19$m=4096,t=1,p=1$c2FsdHNhbHRzYWx0$AAAAAAAAAAAAAAAAAAAAAA")
	f.Add("$argon2id$v=19$m=19456,t=2,p=1$$")
	f.Add("sha256$00")
	f.Add("$argon2id$v=019$m=+19456,t=02,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA")
	f.Fuzz(func(t *testing.T, s string) {
		h, err := parse(s)
		if err != nil {
			return
		}
		if h.memory > maxMemoryKiB || h.passes > maxPasses || h.lanes > maxLanes || h.passes < 1 || h.lanes < 1 {
			t.Fatalf("parse(%q) accepted parameters out of bounds: %+v", s, h)
		}
		if got := h.String(); got != s {
			t.Fatalf("parse(%q) then String = %q", s, got)
		}
		again, err := parse(h.String())
		if err != nil || again.memory != h.memory || !bytes.Equal(again.salt, h.salt) || !bytes.Equal(again.key, h.key) {
			t.Fatalf("round trip of %q: %+v, %v", s, again, err)
		}
	})
}
