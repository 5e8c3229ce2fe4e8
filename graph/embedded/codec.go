package embedded

import (
	"encoding/binary"
	"errors"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/qos"
)

// Event sets and period sets are stored as small blobs of varints: a few
// bytes for the common entity that carries one open, against tens of bytes
// for a row per event. Times are delta-encoded with wrapping int64
// arithmetic, so the unbounded ends (math.MinInt64, math.MaxInt64) round-trip
// exactly like any other instant.
//
// events:  version 1, then opens, closes and spans, each as a count
//          followed by its sorted values (spans as from-delta and length).
// periods: version 1, count, then each period as the signed gap from the
//          previous period's end and its length, 0 standing for "to +∞"
//          (a period is never empty): an open relation costs one byte for
//          its end, not nine.
//
// A NULL column stands for the empty event set and for qos.Always, which
// is what nearly every node of a large graph has.

const codecVersion = 1

var errCorrupt = errors.New("corrupt blob")

// appendTimes appends a sorted list as a count and deltas.
func appendTimes(b []byte, ts []int64) []byte {
	b = binary.AppendUvarint(b, uint64(len(ts)))
	prev := int64(0)
	for _, t := range ts {
		b = binary.AppendVarint(b, t-prev)
		prev = t
	}
	return b
}

// encodeEvents encodes an event set; nil for the empty set.
func encodeEvents(s *depc.EventSet) []byte {
	if s.Empty() {
		return nil
	}
	b := make([]byte, 0, 4+3*(len(s.Opens)+len(s.Closes))+5*len(s.Spans))
	b = append(b, codecVersion)
	b = appendTimes(b, s.Opens)
	b = appendTimes(b, s.Closes)
	b = binary.AppendUvarint(b, uint64(len(s.Spans)))
	prev := int64(0)
	for _, p := range s.Spans {
		b = binary.AppendVarint(b, p.From-prev)
		b = binary.AppendUvarint(b, uint64(p.To-p.From))
		prev = p.From
	}
	return b
}

// reader decodes varints from a blob, remembering the first error.
type reader struct {
	b   []byte
	err error
}

func (r *reader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = errCorrupt
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) varint() int64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.err = errCorrupt
		return 0
	}
	r.b = r.b[n:]
	return v
}

// count reads a list length, bounded by what the rest of the blob can hold
// (each element takes at least minBytes), so that a corrupt length cannot
// make the decoder allocate without bound.
func (r *reader) count(minBytes int) int {
	n := r.uvarint()
	if r.err == nil && n > uint64(len(r.b)/minBytes) {
		r.err = errCorrupt
		return 0
	}
	return int(n)
}

func (r *reader) version() {
	if len(r.b) == 0 || r.b[0] != codecVersion {
		r.err = errCorrupt
		return
	}
	r.b = r.b[1:]
}

func (r *reader) times() []int64 {
	n := r.count(1)
	if n == 0 {
		return nil
	}
	ts := make([]int64, n)
	prev := int64(0)
	for i := range ts {
		prev += r.varint()
		ts[i] = prev
		if i > 0 && ts[i] <= ts[i-1] && r.err == nil {
			r.err = errCorrupt
		}
	}
	return ts
}

// decodeEvents decodes what encodeEvents wrote; nil or empty is the empty
// set.
func decodeEvents(b []byte) (depc.EventSet, error) {
	var s depc.EventSet
	if len(b) == 0 {
		return s, nil
	}
	r := reader{b: b}
	r.version()
	s.Opens = r.times()
	s.Closes = r.times()
	if n := r.count(2); n > 0 {
		s.Spans = make([]depc.Period, n)
		prev := int64(0)
		for i := range s.Spans {
			from := prev + r.varint()
			to := from + int64(r.uvarint()) // wraps back like encodeEvents wrapped
			if r.err != nil || to <= from || (i > 0 && from < prev) {
				r.err = errCorrupt
				break
			}
			s.Spans[i] = depc.Period{From: from, To: to}
			prev = from
		}
	}
	if r.err == nil && len(r.b) != 0 {
		r.err = errCorrupt
	}
	if r.err != nil {
		return depc.EventSet{}, r.err
	}
	return s, nil
}

// encodePeriods encodes a period set; nil for qos.Always.
func encodePeriods(ps depc.Periods) []byte {
	if len(ps) == 1 && ps[0] == always {
		return nil
	}
	b := make([]byte, 0, 2+6*len(ps))
	b = append(b, codecVersion)
	b = binary.AppendUvarint(b, uint64(len(ps)))
	prev := int64(0)
	for _, p := range ps {
		b = binary.AppendVarint(b, p.From-prev)
		if p.To == qos.PosInf {
			b = append(b, 0)
		} else {
			b = binary.AppendUvarint(b, uint64(p.To-p.From))
		}
		prev = p.To
	}
	return b
}

// periodsLen returns how many periods an encoded set holds, without
// decoding it: what a caller needs to size the slice it decodes into.
func periodsLen(b []byte) (int, error) {
	if len(b) == 0 {
		return 1, nil
	}
	r := reader{b: b}
	r.version()
	n := r.count(2)
	return n, r.err
}

// decodePeriodsInto decodes an encoded period set into dst, which must
// have the length periodsLen returned. It checks that the periods are
// sorted and disjoint, as the store wrote them.
func decodePeriodsInto(dst depc.Periods, b []byte) error {
	if len(b) == 0 {
		dst[0] = always
		return nil
	}
	r := reader{b: b}
	r.version()
	n := r.count(2)
	if r.err == nil && n != len(dst) {
		return errCorrupt
	}
	prev := int64(0)
	for i := range dst {
		from := prev + r.varint()
		to := qos.PosInf
		if length := r.uvarint(); length != 0 {
			to = from + int64(length) // wraps back like encodePeriods wrapped
		} else if i != len(dst)-1 {
			return errCorrupt // only the last period runs to +∞
		}
		if r.err != nil || to <= from || (i > 0 && from <= prev) {
			return errCorrupt
		}
		dst[i] = depc.Period{From: from, To: to}
		prev = to
	}
	if r.err != nil || len(r.b) != 0 {
		return errCorrupt
	}
	return nil
}

// decodePeriods decodes an encoded period set into a new slice.
func decodePeriods(b []byte) (depc.Periods, error) {
	n, err := periodsLen(b)
	if err != nil {
		return nil, err
	}
	ps := make(depc.Periods, n)
	if err := decodePeriodsInto(ps, b); err != nil {
		return nil, err
	}
	return ps, nil
}

// slab hands out period slices carved from large shared arrays, so that a
// snapshot of millions of entities makes thousands of allocations, not
// millions. Each slice is capped at its length: appending to one never
// writes into another, and the store never reuses a slab, so sinks may keep
// what they get.
//
// Arrays grow from slabFirst to slabSize periods: a read of a few
// neighbours (the API's GET …/dependencies) allocated and cleared 128 KiB
// for a handful of periods, which cost it a tenth of its CPU.
type slab struct {
	buf  depc.Periods
	next int // size of the next array (0: slabFirst)
}

const (
	slabFirst = 32
	slabSize  = 8192
)

func (s *slab) take(n int) depc.Periods {
	if n > slabSize/8 {
		return make(depc.Periods, n)
	}
	if len(s.buf) < n {
		size := max(s.next, slabFirst, n)
		s.buf = make(depc.Periods, size)
		s.next = min(2*size, slabSize)
	}
	out := s.buf[:n:n]
	s.buf = s.buf[n:]
	return out
}

// decode decodes an encoded period set into a slice of the slab.
func (s *slab) decode(b []byte) (depc.Periods, error) {
	n, err := periodsLen(b)
	if err != nil {
		return nil, err
	}
	ps := s.take(n)
	if err := decodePeriodsInto(ps, b); err != nil {
		return nil, err
	}
	return ps, nil
}
