package neo4j

// White-box: the codec is the package's private storage format.

import (
	"encoding/binary"
	"slices"
	"testing"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/qos"
)

func TestPeriodsProp(t *testing.T) {
	cases := []struct {
		in   depc.Periods
		want any
	}{
		{qos.Always, nil},
		{depc.Periods{{From: 1, To: 2}}, []int64{1, 2}},
		{depc.Periods{{From: qos.NegInf, To: 5}, {From: 7, To: qos.PosInf}}, []int64{qos.NegInf, 5, 7, qos.PosInf}},
	}
	for _, c := range cases {
		got := periodsProp(c.in)
		if (got == nil) != (c.want == nil) || (got != nil && !slices.Equal(got.([]int64), c.want.([]int64))) {
			t.Errorf("periodsProp(%v) = %v, want %v", c.in, got, c.want)
		}
		back, err := readPeriods(got)
		if err != nil || !slices.Equal(back, c.in) {
			t.Errorf("readPeriods(periodsProp(%v)) = %v, %v", c.in, back, err)
		}
	}
}

func TestReadBadValues(t *testing.T) {
	bad := []any{"x", []any{int64(1)}, []any{int64(1), "2"}, []int64{1, 2, 3}, 42}
	for _, v := range bad {
		if _, err := readPeriods(v); err == nil {
			t.Errorf("readPeriods(%#v) accepted", v)
		}
		if _, err := readEventSet(nil, nil, v); err == nil {
			t.Errorf("readEventSet(spans %#v) accepted", v)
		}
	}
	if _, err := readEventSet(nil, nil, []int64{5, 5}); err == nil {
		t.Error("readEventSet accepted an empty span")
	}
	if _, err := readEventSet([]any{"a"}, nil, nil); err == nil {
		t.Error("readEventSet accepted a string open")
	}
}

func TestReadEventSetRebuildsDisorder(t *testing.T) {
	got, err := readEventSet([]any{int64(5), int64(1), int64(5)}, []int64{9, 3}, []int64{20, 30, 10, 15})
	if err != nil {
		t.Fatal(err)
	}
	want := depc.EventSet{Opens: []int64{1, 5}, Closes: []int64{3, 9}, Spans: []depc.Period{{From: 10, To: 15}, {From: 20, To: 30}}}
	if !slices.Equal(got.Opens, want.Opens) || !slices.Equal(got.Closes, want.Closes) || !slices.Equal(got.Spans, want.Spans) {
		t.Errorf("readEventSet = %+v, want %+v", got, want)
	}
}

// int64s decodes fuzz bytes into int64s, 8 bytes each.
func int64s(b []byte) []int64 {
	out := make([]int64, 0, len(b)/8)
	for len(b) >= 8 {
		out = append(out, int64(binary.LittleEndian.Uint64(b)))
		b = b[8:]
	}
	return out
}

// FuzzReadEventSet feeds arbitrary stored arrays to the decoder: it never
// panics, and what it accepts is canonical and survives a write and a
// read unchanged, periods included.
func FuzzReadEventSet(f *testing.F) {
	le := func(xs ...int64) []byte {
		var b []byte
		for _, x := range xs {
			b = binary.LittleEndian.AppendUint64(b, uint64(x))
		}
		return b
	}
	f.Add(le(100, 500), le(200, 600), le(300, 400))
	f.Add(le(), le(5), le())
	f.Add(le(5, 1, 5), le(9, 3), le(20, 30, 10, 15))
	f.Add(le(qos.NegInf, qos.PosInf), le(qos.PosInf), le(qos.NegInf, qos.PosInf))
	f.Add(le(1), le(), le(7))
	f.Fuzz(func(t *testing.T, opens, closes, spans []byte) {
		set, err := readEventSet(int64s(opens), int64s(closes), int64s(spans))
		if err != nil {
			return
		}
		if !canonical(set) {
			t.Fatalf("readEventSet gave a set that is not canonical: %+v", set)
		}
		o, c, s := eventProps(set)
		back, err := readEventSet(o, c, s)
		if err != nil {
			t.Fatalf("reading back %v %v %v: %v", o, c, s, err)
		}
		if !slices.Equal(back.Opens, set.Opens) || !slices.Equal(back.Closes, set.Closes) || !slices.Equal(back.Spans, set.Spans) {
			t.Fatalf("round trip changed %+v into %+v", set, back)
		}
		ps := set.Periods()
		got, err := readPeriods(periodsProp(ps))
		if err != nil || !slices.Equal(got, ps) {
			t.Fatalf("periods %v came back as %v, %v", ps, got, err)
		}
	})
}
