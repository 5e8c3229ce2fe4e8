package message

import (
	"bytes"
	"mime"
	"strings"

	"github.com/depc-dev/depc"
)

// Rejected is a message of an HTTP body that failed validation.
type Rejected struct {
	// Index is the message's position in the body, from 0: the element of
	// an array, or the line of an NDJSON body (blank lines not counted).
	Index int
	// Err is a *depc.Error naming the field, as Decode returns it.
	Err error
	// Message is the message as received; it aliases the body.
	Message []byte
}

// BodyResult is what DecodeBody found in a body.
type BodyResult struct {
	// Events are the events of the valid messages, in body order.
	Events []depc.Event
	// Accepted is the number of valid messages.
	Accepted int
	// Valid lists the valid messages, in body order, with their events:
	// what per-team limits are checked on.
	Valid []Valid
	// Rejected lists the invalid messages, in body order.
	Rejected []Rejected
}

// Valid is a message of an HTTP body that passed validation.
type Valid struct {
	// Index is the message's position in the body (as Rejected's).
	Index int
	// Message is the message as received; it aliases the body.
	Message []byte
	// Start and End delimit its events in BodyResult.Events.
	Start, End int
}

// IsNDJSON reports whether a Content-Type names newline-delimited JSON
// (application/x-ndjson, and its aliases application/ndjson,
// application/jsonl, application/x-jsonlines).
func IsNDJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		// Malformed parameters do not change what the type says.
		mt, _, _ = strings.Cut(contentType, ";")
		mt = strings.ToLower(strings.TrimSpace(mt))
	}
	switch mt {
	case "application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines":
		return true
	}
	return false
}

// DecodeBody decodes the body of POST /teams/{team}/messages
// (spec/api.md): one message, a JSON array of messages, or, when
// contentType is NDJSON (IsNDJSON), one message per line. at is when the
// request was received (the time of relations that carry none).
//
// Each message is decoded as Decode does: an invalid one is listed in
// Rejected with its index while the others are accepted. A body that is
// not JSON at all, or a JSON value other than an object or an array, is an
// error with code EINVALID. DecodeBody does not limit the body's size;
// each message is limited to MaxSize.
func DecodeBody(body []byte, contentType string, at int64) (BodyResult, error) {
	var d Decoder
	var r BodyResult
	if IsNDJSON(contentType) {
		index := 0
		for len(body) > 0 {
			line := body
			if i := bytes.IndexByte(body, '\n'); i >= 0 {
				line, body = body[:i], body[i+1:]
			} else {
				body = nil
			}
			if len(bytes.Trim(line, " \t\r")) == 0 {
				continue
			}
			d.add(&r, index, line, at)
			index++
		}
		return r, nil
	}

	// Check the whole body first: a body that is not JSON is refused
	// whole, never half applied. UTF-8 is checked per message.
	s := scanner{buf: body}
	first := s.peek()
	if first == 0 {
		return r, depc.Errorf(depc.EINVALID, "body: empty")
	}
	var spans [][2]int
	var err error
	if first == '[' {
		err = s.array(&spans)
	} else {
		err = s.value()
	}
	if err == nil {
		err = s.end()
	}
	if err != nil {
		return r, depc.Errorf(depc.EINVALID, "body: %v", err)
	}
	switch first {
	case '{':
		d.add(&r, 0, body, at)
	case '[':
		for i, sp := range spans {
			d.add(&r, i, body[sp[0]:sp[1]], at)
		}
	default:
		return r, depc.Errorf(depc.EINVALID, "body: must be a JSON object or array")
	}
	return r, nil
}

// add decodes one message of a body into r.
func (d *Decoder) add(r *BodyResult, index int, msg []byte, at int64) {
	start := len(r.Events)
	var err error
	if r.Events, err = d.Decode(r.Events, msg, at); err != nil {
		r.Rejected = append(r.Rejected, Rejected{Index: index, Err: err, Message: msg})
		return
	}
	r.Accepted++
	r.Valid = append(r.Valid, Valid{Index: index, Message: msg, Start: start, End: len(r.Events)})
}
