package message_test

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/message"
)

func TestDecodeBody(t *testing.T) {
	const (
		a   = `{"source_label": "A", "source_name": "a"}`
		b   = `{"source": {"label": "B", "name": "b", "props": {"from": 5}}}`
		bad = `{"source_label": "a", "source_name": "a"}`
	)
	evA, evB := exists(key("A", "a")), open(key("B", "b"), 5)
	type rejected struct {
		index int
		err   string
	}
	tests := []struct {
		name         string
		body, ctype  string
		wantEvents   []depc.Event
		wantAccepted int
		wantRejected []rejected
	}{
		{"one message", a, "application/json", []depc.Event{evA}, 1, nil},
		{"one message, no content type", " \n" + b + "\n", "", []depc.Event{evB}, 1, nil},
		{"one invalid message", bad, "application/json", nil, 0, []rejected{{0, "source_label: must match ^[A-Z]+[a-zA-Z0-9]*$"}}},
		{"array", "[" + a + "," + bad + ",\n" + b + "]", "application/json; charset=utf-8", []depc.Event{evA, evB}, 2,
			[]rejected{{1, "source_label: must match ^[A-Z]+[a-zA-Z0-9]*$"}}},
		{"array of non-objects", `[5, "x", null, [], ` + a + `]`, "application/json", []depc.Event{evA}, 1,
			[]rejected{{0, "message: must be a JSON object"}, {1, "message: must be a JSON object"}, {2, "message: must be a JSON object"}, {3, "message: must be a JSON object"}}},
		{"empty array", ` [ ] `, "application/json", nil, 0, nil},
		{"array element too large", `[` + a + `, {"source_label": "A", "source_name": "` + strings.Repeat("n", 64<<10) + `"}]`, "", []depc.Event{evA}, 1,
			[]rejected{{1, "message: larger than 65536 bytes"}}},
		{"array element not UTF-8", "[{\"source_label\": \"A\", \"source_name\": \"\xff\"}, " + a + "]", "", []depc.Event{evA}, 1,
			[]rejected{{0, "message: not valid UTF-8 at byte 38"}}},
		{"ndjson", a + "\n\n" + bad + "\r\n  \n" + b + "\r\nnot json\n" + a, "application/x-ndjson", []depc.Event{evA, evB, evA}, 3,
			[]rejected{{1, "source_label: must match ^[A-Z]+[a-zA-Z0-9]*$"}, {3, "message: invalid JSON at byte 0: invalid literal"}}},
		{"ndjson alias with parameters", a + "\n" + b + "\n", "Application/NDJSON; charset=utf-8", []depc.Event{evA, evB}, 2, nil},
		{"ndjson empty", "\n \n", "application/x-ndjson", nil, 0, nil},
		{"ndjson array line", "[" + a + "]\n" + b, "application/x-ndjson", []depc.Event{evB}, 1, []rejected{{0, "message: must be a JSON object"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := message.DecodeBody([]byte(tt.body), tt.ctype, at)
			if err != nil {
				t.Fatalf("DecodeBody: %v", err)
			}
			if !slices.Equal(r.Events, tt.wantEvents) {
				t.Errorf("events\n got %+v\nwant %+v", r.Events, tt.wantEvents)
			}
			if r.Accepted != tt.wantAccepted {
				t.Errorf("accepted %d, want %d", r.Accepted, tt.wantAccepted)
			}
			var got []rejected
			for _, rj := range r.Rejected {
				got = append(got, rejected{rj.Index, depc.ErrorMessage(rj.Err)})
				if !strings.Contains(tt.body, string(rj.Message)) || len(rj.Message) == 0 {
					t.Errorf("rejected message %q is not from the body", rj.Message)
				}
			}
			if !slices.Equal(got, tt.wantRejected) {
				t.Errorf("rejected\n got %+v\nwant %+v", got, tt.wantRejected)
			}
		})
	}
}

func TestDecodeBodyRefused(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{"empty", "", "body: empty"},
		{"blank", " \r\n", "body: empty"},
		{"not JSON", "hello", "body: invalid JSON at byte 0: unexpected 'h'"},
		{"truncated object", `{"source_label": "A"`, "body: invalid JSON at byte 20: unexpected end of input"},
		{"truncated array", `[{"source_label": "A", "source_name": "a"},`, "body: invalid JSON at byte 43: unexpected end of input"},
		{"broken element", `[{"source_label": "A", "source_name": "a"}, {"x" 1}]`, "body: invalid JSON at byte 49: unexpected '1'"},
		{"two objects", `{} {}`, "body: invalid JSON at byte 3: unexpected '{'"},
		{"number", `42`, "body: must be a JSON object or array"},
		{"string", `"x"`, "body: must be a JSON object or array"},
		{"null", `null`, "body: must be a JSON object or array"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := message.DecodeBody([]byte(tt.body), "application/json", at)
			if err == nil {
				t.Fatalf("accepted: %+v", r)
			}
			if depc.ErrorCode(err) != depc.EINVALID || depc.ErrorMessage(err) != tt.want {
				t.Errorf("error %q (%s), want %q (invalid)", depc.ErrorMessage(err), depc.ErrorCode(err), tt.want)
			}
		})
	}
}

func TestIsNDJSON(t *testing.T) {
	for ct, want := range map[string]bool{
		"application/x-ndjson":                 true,
		"application/x-ndjson; charset=utf-8":  true,
		"APPLICATION/X-NDJSON":                 true,
		"application/ndjson":                   true,
		"application/jsonl":                    true,
		"application/x-jsonlines":              true,
		"application/json":                     false,
		"":                                     false,
		"text/plain":                           false,
		"application/x-ndjson; charset=\"utf8": true, // malformed parameters: the type still says NDJSON
	} {
		if got := message.IsNDJSON(ct); got != want {
			t.Errorf("IsNDJSON(%q) = %v, want %v", ct, got, want)
		}
	}
}

func TestNewRejection(t *testing.T) {
	_, err := message.Decode(nil, []byte(`{"source_label": "a", "source_name": "x"}`), at)
	long := []byte(`{"source_label": "a", "source_name": "` + strings.Repeat("é", depc.MaxRejectedMessage) + `"}`)
	r := message.NewRejection("http", 42, err, long)
	if r.At != 42 || r.Source != "http" || r.Error != "source_label: must match ^[A-Z]+[a-zA-Z0-9]*$" {
		t.Errorf("rejection %+v", r)
	}
	if len(r.Message) > depc.MaxRejectedMessage || len(r.Message) < depc.MaxRejectedMessage-1 || !strings.HasPrefix(string(long), r.Message) {
		t.Errorf("message kept: %d bytes, not a prefix cut at a character", len(r.Message))
	}
	// Bytes that are not UTF-8 are replaced, and the result still fits.
	bad := message.NewRejection("kafka", 1, err, []byte(strings.Repeat("\xff", 2*depc.MaxRejectedMessage)))
	if len(bad.Message) > depc.MaxRejectedMessage || !utf8.ValidString(bad.Message) {
		t.Errorf("invalid bytes kept as %d bytes, valid UTF-8 %v", len(bad.Message), utf8.ValidString(bad.Message))
	}
	alternating := message.NewRejection("kafka", 1, err, []byte(strings.Repeat("a\xff", depc.MaxRejectedMessage)))
	if len(alternating.Message) > depc.MaxRejectedMessage || !utf8.ValidString(alternating.Message) {
		t.Errorf("alternating bytes kept as %d bytes, valid UTF-8 %v", len(alternating.Message), utf8.ValidString(alternating.Message))
	}
}
