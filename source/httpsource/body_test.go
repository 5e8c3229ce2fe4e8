package httpsource_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/depc-dev/depc/source/httpsource"
)

func TestLimitedReader(t *testing.T) {
	for _, n := range []int{0, 9, 10, 11, 100} {
		lr := httpsource.NewLimitedReader(strings.NewReader(strings.Repeat("x", n)), 10)
		var buf bytes.Buffer
		_, err := buf.ReadFrom(lr)
		if tooLarge := errors.Is(err, httpsource.ErrTooLarge); tooLarge != (n > 10) || (!tooLarge && err != nil) {
			t.Errorf("%d bytes with a limit of 10: %v", n, err)
		}
		if buf.Len() > 11 {
			t.Errorf("%d bytes with a limit of 10: %d read", n, buf.Len())
		}
	}
}

func TestShown(t *testing.T) {
	for in, want := range map[string]string{
		"parse error: unexpected \"}\"": "parse error: unexpected \"}\"",
		"a\nb\x00c\x7fd\xffe":           "a b c d e",
		strings.Repeat("é", 200):        strings.Repeat("é", 150) + "…",
		strings.Repeat("x", 299) + "é":  strings.Repeat("x", 299) + "…",
	} {
		if got := httpsource.Shown(in); got != want {
			t.Errorf("Shown(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzShown: what is shown of any message is valid UTF-8 without control
// characters, at most MaxShown bytes and an ellipsis.
func FuzzShown(f *testing.F) {
	for _, s := range []string{"", "a\nb", strings.Repeat("é", 200), "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, msg string) {
		got := httpsource.Shown(msg)
		if !utf8.ValidString(got) || len(got) > httpsource.MaxShown+len("…") {
			t.Fatalf("Shown(%q) = %q", msg, got)
		}
		for _, r := range got {
			if r < ' ' || r == 0x7f {
				t.Fatalf("Shown(%q) = %q holds a control character", msg, got)
			}
		}
	})
}
