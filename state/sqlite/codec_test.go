package sqlite

import (
	"math"
	"reflect"
	"testing"

	"github.com/depc-dev/depc"
)

// These tests are internal: the encodings are the package's own.

func TestDowntimeRoundTrip(t *testing.T) {
	for _, ps := range [][]depc.Period{
		{},
		{{From: 0, To: 1}},
		{{From: 1764547200, To: 1764547260}, {From: 1764547300, To: 1764633600}},
		{{From: math.MinInt64, To: -5}, {From: 0, To: math.MaxInt64}},
		{{From: math.MinInt64, To: math.MaxInt64}},
		{{From: -100, To: -50}, {From: -50, To: -1}},
	} {
		b := appendDowntime(nil, ps)
		got, err := decodeDowntime(b)
		if err != nil {
			t.Fatalf("decode(encode(%v)): %v", ps, err)
		}
		if !reflect.DeepEqual(got, ps) {
			t.Errorf("decode(encode(%v)) = %v", ps, got)
		}
	}
}

func TestChildrenRoundTrip(t *testing.T) {
	for _, keys := range [][]depc.NodeKey{
		{{Label: "Filer", Name: "f1"}},
		{{Label: "Filer", Name: "f1"}, {Label: "Filer", Name: "f/2"}, {Label: "Apache", Name: "a1"}, {Label: "Filer", Name: "f3"}},
	} {
		got, err := decodeChildren(appendChildren(nil, keys))
		if err != nil || !reflect.DeepEqual(got, keys) {
			t.Errorf("decode(encode(%v)) = %v, %v", keys, got, err)
		}
	}
}

func TestDecodeCorrupt(t *testing.T) {
	for _, b := range [][]byte{
		{0x05},                   // five periods, no bytes
		{0x01, 0x02},             // one period, no length
		{0x01, 0x02, 0x03, 0x00}, // trailing byte
		{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01},
	} {
		if _, err := decodeDowntime(b); err == nil {
			t.Errorf("decodeDowntime(%x) accepted", b)
		}
	}
	for _, b := range [][]byte{
		{0x05, 'A'},                  // label longer than the rest
		{0x01, 'A', 0x00},            // a label with no name
		{0x01, 'A', 0x02, 0x01, 'x'}, // two names, one given
	} {
		if _, err := decodeChildren(b); err == nil {
			t.Errorf("decodeChildren(%x) accepted", b)
		}
	}
}

func TestParseDay(t *testing.T) {
	for _, tt := range []struct {
		in   string
		ok   bool
		want string
	}{
		{"2026-11-20", true, "2026-11-20"},
		{"1970-01-01", true, "1970-01-01"},
		{"1969-12-31", true, "1969-12-31"},
		{"2024-02-29", true, "2024-02-29"},
		{"2025-02-29", false, ""},
		{"2026-1-20", false, ""},
		{"2026-11-20T00:00:00Z", false, ""},
		{"20261120", false, ""},
		{"", false, ""},
		{"2026-11-2 ", false, ""},
	} {
		d, err := parseDay("day", tt.in)
		if (err == nil) != tt.ok {
			t.Errorf("parseDay(%q) error %v, want ok=%v", tt.in, err, tt.ok)
			continue
		}
		if err == nil && formatDay(d) != tt.want {
			t.Errorf("formatDay(parseDay(%q)) = %q", tt.in, formatDay(d))
		}
		if err != nil && depc.ErrorCode(err) != depc.EINVALID {
			t.Errorf("parseDay(%q) code %q", tt.in, depc.ErrorCode(err))
		}
	}
}

// FuzzDecodeDowntime: decoding any bytes never panics, and what decodes
// re-encodes to something that decodes the same.
//
//	go test -run='^$' -fuzz=FuzzDecodeDowntime -fuzztime=10s ./state/sqlite
func FuzzDecodeDowntime(f *testing.F) {
	f.Add(appendDowntime(nil, []depc.Period{{From: 1764547200, To: 1764547260}}))
	f.Add(appendDowntime(nil, []depc.Period{{From: math.MinInt64, To: math.MaxInt64}}))
	f.Add([]byte{0x00})
	f.Add([]byte{0x80, 0x80, 0x01})
	f.Fuzz(func(t *testing.T, b []byte) {
		ps, err := decodeDowntime(b)
		if err != nil {
			return
		}
		again, err := decodeDowntime(appendDowntime(nil, ps))
		if err != nil || !reflect.DeepEqual(again, ps) {
			t.Fatalf("re-encoding %v gave %v, %v", ps, again, err)
		}
	})
}

// FuzzDecodeChildren: the same for children.
//
//	go test -run='^$' -fuzz=FuzzDecodeChildren -fuzztime=10s ./state/sqlite
func FuzzDecodeChildren(f *testing.F) {
	f.Add(appendChildren(nil, []depc.NodeKey{{Label: "Filer", Name: "f1"}, {Label: "Apache", Name: "a1"}}))
	f.Add([]byte{})
	f.Add([]byte{0x01, 'A', 0x01, 0x01, 'x'})
	f.Fuzz(func(t *testing.T, b []byte) {
		keys, err := decodeChildren(b)
		if err != nil {
			return
		}
		again, err := decodeChildren(appendChildren(nil, keys))
		if err != nil || !reflect.DeepEqual(again, keys) {
			t.Fatalf("re-encoding %v gave %v, %v", keys, again, err)
		}
	})
}

// FuzzNamePrefix: ordering by (prefix, name) is ordering by name.
//
//	go test -run='^$' -fuzz=FuzzNamePrefix -fuzztime=10s ./state/sqlite
func FuzzNamePrefix(f *testing.F) {
	f.Add("srv0000001.dc1.example.net", "srv0000002.dc1.example.net")
	f.Add("a", "ab")
	f.Add("abcdefghijklmnopq", "abcdefghijklmnop")
	f.Fuzz(func(t *testing.T, a, b string) {
		if !depc.ValidName(a) || !depc.ValidName(b) {
			return
		}
		a0, a1 := namePrefix(a)
		b0, b1 := namePrefix(b)
		byPrefix := 0
		switch {
		case a0 != b0:
			byPrefix = map[bool]int{true: -1, false: 1}[a0 < b0]
		case a1 != b1:
			byPrefix = map[bool]int{true: -1, false: 1}[a1 < b1]
		}
		byName := 0
		switch {
		case a < b:
			byName = -1
		case a > b:
			byName = 1
		}
		if byPrefix != 0 && byPrefix != byName {
			t.Fatalf("prefix order of %q and %q is %d, name order %d", a, b, byPrefix, byName)
		}
	})
}

func TestLabelSecondsRoundTrip(t *testing.T) {
	want := []depc.NodeSeconds{
		{Name: "customer000001", OK: 86400},
		{Name: "customer000002", OK: 85800, KO: 600, Downtime: []depc.Period{{From: 1764547200, To: 1764547800}}},
		{Name: "customer0000021", OK: 1, KO: 2, Unknown: 86397, Downtime: []depc.Period{{From: 5, To: 6}, {From: 7, To: 8}}},
		{Name: "d", Unknown: 90000},
		{Name: "é/ü"},
	}
	var b []byte
	prev := ""
	for _, n := range want {
		var dt []byte
		if n.Downtime != nil {
			dt = appendDowntime(nil, n.Downtime)
		}
		b = appendNodeSeconds(b, prev, n.Name, n.OK, n.KO, n.Unknown, dt)
		prev = n.Name
	}
	got, err := decodeLabelSeconds(nil, b)
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("decode = %+v, %v; want %+v", got, err, want)
	}
	for i := range b {
		if _, err := decodeLabelSeconds(nil, b[:i]); err == nil && i > 0 {
			// A cut may fall between two nodes; then it decodes fewer.
			if got, _ := decodeLabelSeconds(nil, b[:i]); len(got) >= len(want) {
				t.Fatalf("b[:%d] decodes %d nodes", i, len(got))
			}
		}
	}
	if _, err := decodeLabelSeconds(nil, []byte{5, 1, 'a'}); err == nil {
		t.Error("a shared prefix longer than the previous name decodes")
	}
}
