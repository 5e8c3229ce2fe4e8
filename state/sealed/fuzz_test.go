package sealed_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/depc-dev/depc/state/sealed"
)

// FuzzOpen: a value read from the database never panics Open; only what
// the key sealed opens, and a sealed value opens to what was sealed.
func FuzzOpen(f *testing.F) {
	kr, err := sealed.ParseKeys("secret_key", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")
	if err != nil {
		f.Fatal(err)
	}
	good, _ := kr.Seal([]byte(`"s3cret"`))
	f.Add(good, []byte(`"s3cret"`))
	f.Add(sealed.Prefix+kr.Current()+":", []byte(`{}`))
	f.Add(sealed.Prefix+"0000:AAAA", []byte(`1`))
	f.Add("plain", []byte(``))
	f.Fuzz(func(t *testing.T, value string, plain []byte) {
		got, err := kr.Open(value)
		if err == nil && value != good && !strings.HasPrefix(value, sealed.Prefix+kr.Current()+":") {
			t.Fatalf("Open(%q) = %q: opened what this key did not seal", value, got)
		}
		s, err := kr.Seal(plain)
		if err != nil {
			t.Fatal(err)
		}
		back, err := kr.Open(s)
		if err != nil || !bytes.Equal(back, plain) {
			t.Fatalf("Open(Seal(%q)) = %q, %v", plain, back, err)
		}
		if body := s[strings.LastIndexByte(s, ':')+1:]; len(plain) >= 8 && strings.Contains(body, string(plain)) {
			t.Fatalf("Seal(%q) = %q holds the value", plain, s)
		}
	})
}
