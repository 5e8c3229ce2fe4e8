package expr_test

import (
	"errors"
	"testing"
	"unicode/utf8"

	"github.com/depc-dev/depc/qos/expr"
)

// FuzzParse: the parser never panics, rejects with a *SyntaxError whose
// column lies within the expression (or just past it), and round-trips
// what it accepts: Parse(e.String()) == e, and String is a fixed point.
func FuzzParse(f *testing.F) {
	for _, tc := range acceptedExprs {
		f.Add(tc.in)
	}
	for _, tc := range rejectedExprs {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := expr.Parse(s)
		if err != nil {
			var ee *expr.SyntaxError
			if !errors.As(err, &ee) {
				t.Fatalf("Parse(%q): error %T is not a *SyntaxError", s, err)
			}
			if ee.Column < 1 || ee.Column > utf8.RuneCountInString(s)+1 {
				t.Fatalf("Parse(%q): column %d outside the expression", s, ee.Column)
			}
			return
		}
		if err := e.Validate(); err != nil {
			t.Fatalf("Parse(%q) = %#v, which does not validate: %v", s, e, err)
		}
		canonical := e.String()
		again, err := expr.Parse(canonical)
		if err != nil {
			t.Fatalf("Parse(%q) = %#v; its String %q does not parse: %v", s, e, canonical, err)
		}
		if !again.Equal(e) {
			t.Fatalf("Parse(%q) = %#v, but Parse(%q) = %#v", s, e, canonical, again)
		}
		if again.String() != canonical {
			t.Fatalf("String is not a fixed point: %q then %q", canonical, again.String())
		}
	})
}
