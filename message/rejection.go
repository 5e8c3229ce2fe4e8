package message

import (
	"strings"
	"unicode/utf8"

	"github.com/depc-dev/depc"
)

// NewRejection is the depc.Rejection kept for a message rejected with err
// at a time (Unix seconds) from a source ("kafka" or "http"): the reason
// names the field, and the message is cut to depc.MaxRejectedMessage bytes
// of valid UTF-8.
func NewRejection(source string, at int64, err error, msg []byte) depc.Rejection {
	return depc.Rejection{At: at, Source: source, Error: depc.ErrorMessage(err), Message: Excerpt(msg)}
}

// Excerpt is the copy of a rejected message that is kept: valid
// UTF-8 (invalid bytes become U+FFFD), cut at a character boundary to at
// most depc.MaxRejectedMessage bytes.
func Excerpt(b []byte) string {
	s := strings.ToValidUTF8(string(b[:min(len(b), depc.MaxRejectedMessage)]), "\uFFFD")
	if len(s) <= depc.MaxRejectedMessage {
		return s
	}
	n := depc.MaxRejectedMessage
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
