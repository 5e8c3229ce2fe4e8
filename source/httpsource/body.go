package httpsource

import (
	"errors"
	"io"
	"strings"
	"unicode/utf8"
)

// ErrTooLarge is the error of an answer longer than its reader allows.
var ErrTooLarge = errors.New("answer too large")

// LimitedReader reads an answer of at most Max bytes and fails with
// ErrTooLarge past them, so that a server answering far more than asked
// (or without end) cannot fill memory.
type LimitedReader struct {
	R   io.Reader
	Max int64 // the bound, for messages
	// Left is what may still be read; below 0 once the bound was passed.
	Left int64
}

// NewLimitedReader returns a reader of at most max bytes of r.
func NewLimitedReader(r io.Reader, max int64) *LimitedReader {
	return &LimitedReader{R: r, Max: max, Left: max}
}

func (l *LimitedReader) Read(p []byte) (int, error) {
	if l.Left < 0 {
		return 0, ErrTooLarge
	}
	if int64(len(p)) > l.Left+1 {
		p = p[:l.Left+1]
	}
	n, err := l.R.Read(p)
	l.Left -= int64(n)
	if l.Left < 0 {
		return n, ErrTooLarge
	}
	return n, err
}

// MaxShown bounds the server's message about a query that is shown.
const MaxShown = 300

// Shown is a server's message about a query (a parse error: what the user
// needs to fix the query) as shown to users: control characters and
// invalid UTF-8 blanked, cut to MaxShown bytes at a character.
func Shown(msg string) string {
	msg = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f || r == utf8.RuneError {
			return ' '
		}
		return r
	}, msg)
	if len(msg) > MaxShown {
		cut := MaxShown
		for cut > 0 && !utf8.RuneStart(msg[cut]) {
			cut--
		}
		msg = msg[:cut] + "…"
	}
	return msg
}
