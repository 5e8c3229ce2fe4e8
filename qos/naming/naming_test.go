package naming_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/depc-dev/depc/qos/naming"
)

var (
	labelRe = regexp.MustCompile(naming.LabelPattern)
	nameRe  = regexp.MustCompile(naming.NamePattern)
)

// wantLabel and wantName are the rules as their patterns and limits say.
func wantLabel(s string) bool { return len(s) <= naming.MaxLabelLen && labelRe.MatchString(s) }
func wantName(s string) bool  { return len(s) <= naming.MaxNameLen && nameRe.MatchString(s) }

// checkNameRules holds ValidLabel, ValidName and their problems to the
// patterns, for strings and bytes alike.
func checkNameRules(t *testing.T, s string) {
	t.Helper()
	if got, want := naming.ValidLabel(s), wantLabel(s); got != want || naming.ValidLabel([]byte(s)) != want {
		t.Errorf("ValidLabel(%q) = %v, the pattern says %v", s, got, want)
	}
	if got, want := naming.ValidName(s), wantName(s); got != want || naming.ValidName([]byte(s)) != want {
		t.Errorf("ValidName(%q) = %v, the pattern says %v", s, got, want)
	}
	if got, want := naming.LabelProblem(s) == "", wantLabel(s); got != want {
		t.Errorf("LabelProblem(%q) = %q, the pattern says valid %v", s, naming.LabelProblem(s), want)
	}
	if got, want := naming.NameProblem(s) == "", wantName(s); got != want {
		t.Errorf("NameProblem(%q) = %q, the pattern says valid %v", s, naming.NameProblem(s), want)
	}
}

func TestNameRules(t *testing.T) {
	for c := range 256 {
		checkNameRules(t, string([]byte{byte(c)}))
		checkNameRules(t, "A"+string([]byte{byte(c)}))
	}
	for _, s := range []string{
		"", "é", "a b", "#F$o%ob&/a-r.", "a|b~{}", "MyLabel", "My123Label", "my", "My_Label", "123",
		strings.Repeat("a", naming.MaxNameLen), strings.Repeat("a", naming.MaxNameLen+1),
		strings.Repeat("A", naming.MaxLabelLen), strings.Repeat("A", naming.MaxLabelLen+1),
	} {
		checkNameRules(t, s)
	}
}

// FuzzNameRules: the byte loops accept exactly what the patterns do.
//
//	go test -run='^$' -fuzz=FuzzNameRules -fuzztime=10s ./qos/naming
func FuzzNameRules(f *testing.F) {
	for _, s := range []string{"foo.com", "filer/1", "a b", `a"b`, "a'b", `a\b`, "a`b", "", "é", "\x7f", "~!#$%&()*+,-./:;<=>?@[]^_{|}", "MyLabel", "My_Label"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { checkNameRules(t, s) })
}
