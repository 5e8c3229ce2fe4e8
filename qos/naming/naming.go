package naming

import (
	"fmt"
	"slices"
	"strconv"
	"unicode/utf8"
)

const (
	// LabelPattern is the pattern of a node label, at most MaxLabelLen
	// bytes. Labels enter Neo4j queries' text, so they hold no quote, space
	// or underscore (the Neo4j store's team separator).
	LabelPattern = `^[A-Z]+[a-zA-Z0-9]*$`
	// NamePattern is the pattern of a node name, at most MaxNameLen bytes:
	// printable ASCII except space, the quotes, backslash and backtick.
	NamePattern = "^[!#-&(-[\\]-_a-~]+$"
	// MaxLabelLen is the longest label, in bytes.
	MaxLabelLen = 64
	// MaxNameLen is the longest node name, in bytes.
	MaxNameLen = 512
)

// ValidLabel reports whether s is a node label (LabelPattern, at most
// MaxLabelLen bytes). It takes bytes too, so that a decoder checks a label
// before it allocates the string.
func ValidLabel[S ~string | ~[]byte](s S) bool {
	if len(s) == 0 || len(s) > MaxLabelLen || !isUpper(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isAlnum(s[i]) {
			return false
		}
	}
	return true
}

// ValidName reports whether s is a node name (NamePattern, at most
// MaxNameLen bytes).
func ValidName[S ~string | ~[]byte](s S) bool {
	if len(s) == 0 || len(s) > MaxNameLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !nameByte[s[i]] {
			return false
		}
	}
	return true
}

// nameByte[b] tells whether byte b may appear in a node name.
var nameByte = func() (t [256]bool) {
	for b := 0x21; b <= 0x7e; b++ {
		t[b] = b != '"' && b != '\'' && b != '\\' && b != '`'
	}
	return t
}()

// NameProblem says what is wrong with node name n ("is …", "must …"), or
// "" when n is valid, for messages that explain the rule.
func NameProblem(n string) string {
	switch {
	case n == "":
		return "is empty"
	case len(n) > MaxNameLen:
		return fmt.Sprintf("is longer than %d bytes", MaxNameLen)
	case !ValidName(n):
		return "must be printable ASCII without space, quotes, backslash or backtick"
	}
	return ""
}

// LabelProblem says what is wrong with label l ("is …", "must …"), or ""
// when l is valid.
func LabelProblem(l string) string {
	switch {
	case l == "":
		return "is empty"
	case len(l) > MaxLabelLen:
		return fmt.Sprintf("is longer than %d bytes", MaxLabelLen)
	case !isUpper(l[0]):
		return "must start with an uppercase letter (labels match " + LabelPattern + ")"
	case !ValidLabel(l):
		return "must match " + LabelPattern
	}
	return ""
}

func isUpper(c byte) bool { return 'A' <= c && c <= 'Z' }
func isAlnum(c byte) bool { return isUpper(c) || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' }

// Quote quotes s for a message, cut to a readable length: what is quoted
// may be a whole request body.
func Quote(s string) string {
	const max = 64
	if len(s) <= max {
		return strconv.Quote(s)
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strconv.Quote(s[:cut]) + "..."
}

// Set finds repeated names in a list in linear time overall: a 1 MiB
// config may list many thousands of labels or names, and a quadratic check
// would let one request burn a core. The zero Set is empty.
type Set struct {
	small []string
	set   map[string]struct{}
}

// Add records x and reports whether it was recorded before.
func (s *Set) Add(x string) bool {
	if s.set == nil {
		if slices.Contains(s.small, x) {
			return true
		}
		s.small = append(s.small, x)
		if len(s.small) > 16 {
			s.set = make(map[string]struct{}, 2*len(s.small))
			for _, y := range s.small {
				s.set[y] = struct{}{}
			}
		}
		return false
	}
	if _, ok := s.set[x]; ok {
		return true
	}
	s.set[x] = struct{}{}
	return false
}
