package qos

import "fmt"

// The rules of node labels and names, in one place. They live in the
// engine because its config language names labels and excludes node names;
// package depc re-exports them for everything else (the decoder, the API,
// the graph and state stores), so a rule changed here changes everywhere.
// They are plain byte loops, not regular expressions: the decoder and the
// nightly write check millions of names, and a regexp would cost as much as
// the work around it. FuzzNameRules holds them equal to the patterns.
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
	if len(s) == 0 || len(s) > MaxLabelLen || !exprIsUpper(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !exprIsAlnum(s[i]) {
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
	case !exprIsUpper(l[0]):
		return "must start with an uppercase letter (labels match " + LabelPattern + ")"
	case !ValidLabel(l):
		return "must match " + LabelPattern
	}
	return ""
}
