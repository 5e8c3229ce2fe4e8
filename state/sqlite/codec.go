package sqlite

import (
	"encoding/binary"
	"errors"
	"time"

	"github.com/depc-dev/depc"
)

// Days are stored as the number of days since 1970-01-01 of their
// calendar date: an integer that sorts like the date and makes keys short.

// parseDay parses a "YYYY-MM-DD" day. EINVALID names the field.
func parseDay(field, s string) (int64, error) {
	t, err := depc.ParseDay(field, s)
	if err != nil {
		return 0, err
	}
	return t.Unix() / 86400, nil
}

func formatDay(d int64) string { return depc.FormatDay(time.Unix(d*86400, 0).UTC()) }

// parseDayRange parses an inclusive range of days.
func parseDayRange(start, end string) (int64, int64, error) {
	s, e, err := depc.ParseDayRange(start, end)
	return s.Unix() / 86400, e.Unix() / 86400, err
}

var errCorrupt = errors.New("corrupt encoded value")

// appendDowntime appends the encoding of sorted, disjoint periods to b:
// their count, then per period the gap since the previous end (the first
// one since 0) as a signed varint and the length as an unsigned varint.
// The arithmetic wraps, so any int64 bounds round-trip.
func appendDowntime(b []byte, ps []depc.Period) []byte {
	b = binary.AppendUvarint(b, uint64(len(ps)))
	var prev int64
	for _, p := range ps {
		b = binary.AppendVarint(b, int64(uint64(p.From)-uint64(prev)))
		b = binary.AppendUvarint(b, uint64(p.To)-uint64(p.From))
		prev = p.To
	}
	return b
}

func decodeDowntime(b []byte) ([]depc.Period, error) {
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)) { // every period takes at least 2 bytes
		return nil, errCorrupt
	}
	b = b[k:]
	ps := make([]depc.Period, 0, n)
	var prev int64
	for range n {
		gap, k := binary.Varint(b)
		if k <= 0 {
			return nil, errCorrupt
		}
		b = b[k:]
		l, k := binary.Uvarint(b)
		if k <= 0 {
			return nil, errCorrupt
		}
		b = b[k:]
		from := int64(uint64(prev) + uint64(gap))
		to := int64(uint64(from) + l)
		ps = append(ps, depc.Period{From: from, To: to})
		prev = to
	}
	if len(b) != 0 {
		return nil, errCorrupt
	}
	return ps, nil
}

// appendChildren appends the encoding of node keys to b: runs of keys
// with the same label, each as the label, the count of names and the
// names, every string prefixed with its length. Children come grouped by
// label, so each label is written about once.
func appendChildren(b []byte, keys []depc.NodeKey) []byte {
	for i := 0; i < len(keys); {
		j := i + 1
		for j < len(keys) && keys[j].Label == keys[i].Label {
			j++
		}
		b = appendString(b, keys[i].Label)
		b = binary.AppendUvarint(b, uint64(j-i))
		for _, k := range keys[i:j] {
			b = appendString(b, k.Name)
		}
		i = j
	}
	return b
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func decodeChildren(b []byte) ([]depc.NodeKey, error) {
	var keys []depc.NodeKey
	for len(b) > 0 {
		label, rest, err := readString(b)
		if err != nil {
			return nil, err
		}
		n, k := binary.Uvarint(rest)
		if k <= 0 || n == 0 || n > uint64(len(rest)) { // every name takes at least 1 byte
			return nil, errCorrupt
		}
		b = rest[k:]
		for range n {
			var name string
			if name, b, err = readString(b); err != nil {
				return nil, err
			}
			keys = append(keys, depc.NodeKey{Label: label, Name: name})
		}
	}
	return keys, nil
}

func readString(b []byte) (string, []byte, error) {
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)-k) {
		return "", nil, errCorrupt
	}
	return string(b[k : k+int(n)]), b[k+int(n):], nil
}
