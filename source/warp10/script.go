package warp10

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/depc-dev/depc"
)

// MaxScriptBytes bounds a check's script.
const MaxScriptBytes = 256 << 10

// Variables the batch script uses besides the check's own ($start, $end,
// $token, $name): prefixed so that no check's script meets them.
const (
	varResults = "depc_results"
	varResult  = "depc_result"
)

// checkScript validates a check's script: text, not empty, bounded.
func checkScript(q string) error {
	switch {
	case strings.TrimSpace(q) == "":
		return depc.Errorf(depc.EINVALID, "parameters.query: is empty: a WarpScript that leaves a list of GTS on the stack")
	case len(q) > MaxScriptBytes:
		return depc.Errorf(depc.EINVALID, "parameters.query: is more than %d bytes", MaxScriptBytes)
	case !utf8.ValidString(q):
		return depc.Errorf(depc.EINVALID, "parameters.query: is not valid UTF-8")
	case strings.Contains(q, "{{"):
		// A variable left unrendered: the original's '{{ depc.name }}'
		// is $name here.
		return depc.Errorf(depc.EINVALID, "parameters.query: holds {{ … }}: write the node's name as $name (the original's '{{ depc.name }}'), and other variables as {{ depc.team.VAR }} …")
	}
	return nil
}

// iso is a time as the original wrote it in scripts: ISO 8601 with
// microseconds, in UTC.
func iso(t int64) string {
	return time.Unix(t, 0).UTC().Format("2006-01-02T15:04:05.000000Z")
}

// literal writes s as a WarpScript string constant: between quotes, every
// byte but letters, digits, '.', '_' and '-' percent-encoded (WarpScript
// URL-decodes string constants), so that s cannot end the string or mean
// anything but itself.
func literal(b *strings.Builder, s string) {
	const hex = "0123456789ABCDEF"
	b.WriteByte('\'')
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	b.WriteByte('\'')
}

// script is the WarpScript run for a batch of names over [from, to): the
// original's header (start one second early, end, token), then the check's
// script once per name with $name stored, each run's top of the stack kept
// in a map by name and the rest cleared; the map is what is left.
func script(check, token string, names []string, from, to int64) string {
	var b strings.Builder
	b.Grow(len(check) + len(token) + 200 + 16*len(names))
	literal(&b, iso(from-1))
	b.WriteString(" 'start' STORE\n")
	literal(&b, iso(to))
	b.WriteString(" 'end' STORE\n")
	literal(&b, token)
	b.WriteString(" 'token' STORE\n")
	b.WriteString("{} '" + varResults + "' STORE\n[")
	for _, n := range names {
		b.WriteByte(' ')
		literal(&b, n)
	}
	b.WriteString(" ]\n<%\n'name' STORE\n")
	b.WriteString(check)
	// The check's script ends on a line of its own: a trailing comment
	// must not swallow what follows.
	b.WriteString("\nDEPTH 0 == <% [] %> IFT\n'" + varResult + "' STORE CLEAR\n$" + varResults + " $name $" + varResult + " PUT DROP\n%> FOREACH\n$" + varResults + "\n")
	return b.String()
}

// checkName says why a node name cannot be fetched.
func checkName(name string) error {
	if name == "" {
		return depc.Errorf(depc.EINVALID, "name: is empty")
	}
	if !utf8.ValidString(name) {
		return depc.Errorf(depc.EINVALID, "name: %q is not valid UTF-8", name)
	}
	return nil
}
