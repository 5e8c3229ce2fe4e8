// Package message decodes ingestion messages (spec/messages.md) into graph
// events. It is the one code path for both ways messages arrive: the Kafka
// consumer (package consumer) and POST /teams/{team}/messages (package
// api) use it directly, so a message is accepted or refused, with the same
// reason, whichever way it came.
//
// Decode validates one message (nested, flat, or wrapped in a "metadata"
// envelope) and appends its depc.Event values; DecodeBody does the same
// for an HTTP body holding one message, a JSON array, or NDJSON, and says
// which messages were rejected by index. A message is all or nothing; its
// rejection is a *depc.Error whose message names the field
// ("target.label: must match ^[A-Z]+[a-zA-Z0-9]*$") and whose Err is
// ErrMalformed, ErrInvalid or ErrTooLarge, so callers count rejections by
// class. NewRejection is what is kept of a rejected message for the team
// to read.
//
// The decoder is a strict hand-written JSON scanner rather than
// encoding/json into map[string]any: it sits on the ingestion hot path,
// and FuzzDecode checks it against an encoding/json reference. The package
// depends on the root package only (no Kafka, no HTTP).
package message
