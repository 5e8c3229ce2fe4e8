package qos_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/depc-dev/depc/qos"
)

var (
	labelRe = regexp.MustCompile(qos.LabelPattern)
	nameRe  = regexp.MustCompile(qos.NamePattern)
)

// wantLabel and wantName are the rules as their patterns and limits say.
func wantLabel(s string) bool { return len(s) <= qos.MaxLabelLen && labelRe.MatchString(s) }
func wantName(s string) bool  { return len(s) <= qos.MaxNameLen && nameRe.MatchString(s) }

// checkNameRules holds ValidLabel, ValidName and their problems to the
// patterns, for strings and bytes alike.
func checkNameRules(t *testing.T, s string) {
	t.Helper()
	if got, want := qos.ValidLabel(s), wantLabel(s); got != want || qos.ValidLabel([]byte(s)) != want {
		t.Errorf("ValidLabel(%q) = %v, the pattern says %v", s, got, want)
	}
	if got, want := qos.ValidName(s), wantName(s); got != want || qos.ValidName([]byte(s)) != want {
		t.Errorf("ValidName(%q) = %v, the pattern says %v", s, got, want)
	}
	if got, want := qos.LabelProblem(s) == "", wantLabel(s); got != want {
		t.Errorf("LabelProblem(%q) = %q, the pattern says valid %v", s, qos.LabelProblem(s), want)
	}
	if got, want := qos.NameProblem(s) == "", wantName(s); got != want {
		t.Errorf("NameProblem(%q) = %q, the pattern says valid %v", s, qos.NameProblem(s), want)
	}
}

func TestNameRules(t *testing.T) {
	for c := range 256 {
		checkNameRules(t, string([]byte{byte(c)}))
		checkNameRules(t, "A"+string([]byte{byte(c)}))
	}
	for _, s := range []string{
		"", "é", "a b", "#F$o%ob&/a-r.", "a|b~{}", "MyLabel", "My123Label", "my", "My_Label", "123",
		strings.Repeat("a", qos.MaxNameLen), strings.Repeat("a", qos.MaxNameLen+1),
		strings.Repeat("A", qos.MaxLabelLen), strings.Repeat("A", qos.MaxLabelLen+1),
	} {
		checkNameRules(t, s)
	}
}

// FuzzNameRules: the byte loops accept exactly what the patterns do.
//
//	go test -run='^$' -fuzz=FuzzNameRules -fuzztime=10s ./qos
func FuzzNameRules(f *testing.F) {
	for _, s := range []string{"foo.com", "filer/1", "a b", `a"b`, "a'b", `a\b`, "a`b", "", "é", "\x7f", "~!#$%&()*+,-./:;<=>?@[]^_{|}", "MyLabel", "My_Label"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { checkNameRules(t, s) })
}
