package alert

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestSignVerify(t *testing.T) {
	const secret = "0123456789abcdef-secret"
	body := []byte(`{"version":"1"}`)
	at := time.Unix(1_773_000_000, 0)
	sig := Sign(secret, at, body)
	// printf '%s' '1773000000.{"version":"1"}' | openssl dgst -sha256 -hmac '0123456789abcdef-secret'
	if want := "t=1773000000,v1=d0fcc542e7fcbd478906531f1208eeede88395b392696765e3ccdc4a7b58efc6"; sig != want {
		t.Fatalf("Sign = %q, want %q", sig, want)
	}
	if err := Verify(secret, sig, body, at.Add(time.Minute), 0); err != nil {
		t.Errorf("Verify: %v", err)
	}
	for _, tt := range []struct {
		what   string
		secret string
		header string
		body   string
		now    time.Time
		want   error
	}{
		{"another body", secret, sig, `{"version":"2"}`, at, ErrBadSignature},
		{"another secret", secret + "x", sig, string(body), at, ErrBadSignature},
		// A replay: the same request later; moving its time breaks the
		// signature.
		{"replayed later", secret, sig, string(body), at.Add(DefaultTolerance + time.Second), ErrStale},
		{"timestamp moved", secret, strings.Replace(sig, "t=1773000000", "t=1773000600", 1), string(body), at.Add(10 * time.Minute), ErrBadSignature},
		{"from the future", secret, sig, string(body), at.Add(-DefaultTolerance - time.Second), ErrStale},
	} {
		if err := Verify(tt.secret, tt.header, []byte(tt.body), tt.now, 0); !errors.Is(err, tt.want) {
			t.Errorf("%s: %v, want %v", tt.what, err, tt.want)
		}
	}
	for _, bad := range []string{"", "v1=00", "t=x,v1=00", "t=1773000000"} {
		if err := Verify(secret, bad, body, at, 0); err == nil || errors.Is(err, ErrBadSignature) {
			t.Errorf("Verify(%q) = %v, want a malformed header", bad, err)
		}
	}
	// While a secret is rotated a header may carry two signatures.
	old := Sign("old-secret-0123456789", at, body)
	both := sig + "," + old[strings.Index(old, "v1="):]
	for _, s := range []string{secret, "old-secret-0123456789"} {
		if err := Verify(s, both, body, at, 0); err != nil {
			t.Errorf("Verify(two signatures) with %s: %v", s, err)
		}
	}
}
