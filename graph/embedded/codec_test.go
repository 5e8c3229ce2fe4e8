package embedded

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/qos"
)

func TestTimesValidMatchesValidateEvent(t *testing.T) {
	times := []int64{math.MinInt64, -1, 0, 1, 2, 10, math.MaxInt64}
	for kind := range depc.EventKind(6) {
		for _, from := range times {
			for _, to := range times {
				e := depc.Event{Node: depc.NodeKey{Label: "A", Name: "a"}, Kind: kind, From: from, To: to}
				if got, want := timesValid(e), depc.ValidateEvent(e) == nil; got != want {
					t.Errorf("%+v: timesValid %v, ValidateEvent accepts %v", e, got, want)
				}
			}
		}
	}
}

func TestEventsRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	edge := []int64{qos.NegInf, qos.NegInf + 1, -1, 0, 1, qos.PosInf - 1, qos.PosInf}
	for i := range 2000 {
		var s depc.EventSet
		for range rng.IntN(8) {
			t := rng.Int64N(1000)
			if i%5 == 0 {
				t = edge[rng.IntN(len(edge))]
			}
			switch rng.IntN(3) {
			case 0:
				s.Add(depc.Event{Kind: depc.EventOpen, From: t})
			case 1:
				s.Add(depc.Event{Kind: depc.EventClose, To: t})
			default:
				to := t + 1 + rng.Int64N(100)
				if to > t {
					s.Add(depc.Event{Kind: depc.EventSpan, From: t, To: to})
				}
			}
		}
		got, err := decodeEvents(encodeEvents(&s))
		if err != nil {
			t.Fatalf("%+v: %v", s, err)
		}
		if !slices.Equal(got.Opens, s.Opens) || !slices.Equal(got.Closes, s.Closes) || !slices.Equal(got.Spans, s.Spans) {
			t.Fatalf("round trip of %+v gave %+v", s, got)
		}
		ps := s.Periods()
		back, err := decodePeriods(encodePeriods(ps))
		if err != nil {
			t.Fatalf("periods %v: %v", ps, err)
		}
		if !slices.Equal(back, ps) {
			t.Fatalf("periods %v came back as %v", ps, back)
		}
	}
}

func TestPeriodsEdges(t *testing.T) {
	for _, ps := range []depc.Periods{
		qos.Always,
		{{From: qos.NegInf, To: 5}},
		{{From: 5, To: qos.PosInf}},
		{{From: qos.NegInf, To: -5}, {From: 0, To: 1}, {From: 3, To: qos.PosInf}},
		{{From: 0, To: 1}},
		{},
	} {
		b := encodePeriods(ps)
		if len(ps) == 1 && ps[0] == always && b != nil {
			t.Errorf("Always encodes to %v, want NULL", b)
		}
		got, err := decodePeriods(b)
		if err != nil {
			t.Fatalf("%v: %v", ps, err)
		}
		if !slices.Equal(got, ps) {
			t.Errorf("%v came back as %v", ps, got)
		}
	}
}

func TestCorruptBlobs(t *testing.T) {
	posInf := binary.AppendVarint(nil, qos.PosInf)
	periods := [][]byte{
		{0},                            // unknown version
		{1},                            // truncated
		{1, 200},                       // count beyond the blob
		{1, 2, 2, 0, 2, 2},             // +∞ before the last period
		{1, 2, 2, 2, 1, 2},             // second period not after the first
		{1, 1, 2, 2, 0},                // trailing byte
		{1, 1, 0xff, 0xff, 0xff, 0xff}, // broken varint
		append(append([]byte{1, 1}, posInf...), 0), // [+∞, +∞)
	}
	for _, b := range periods {
		if ps, err := decodePeriods(b); err == nil {
			t.Errorf("periods %v decode to %v", b, ps)
		}
	}
	events := [][]byte{
		{0},                // unknown version
		{1},                // truncated
		{1, 0, 0, 1, 2},    // span without length
		{1, 2, 4, 0, 0, 0}, // opens not increasing
		{1, 0, 0, 0, 9},    // trailing byte
		{1, 9, 2},          // count beyond the blob
	}
	for _, b := range events {
		if s, err := decodeEvents(b); err == nil {
			t.Errorf("events %v decode to %+v", b, s)
		}
	}
}

// FuzzDecode feeds arbitrary blobs to the decoders: they must never panic,
// and whatever they accept must encode back to a blob that decodes equal.
func FuzzDecode(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{1, 1, 2, 2})
	f.Add(encodeEvents(&depc.EventSet{Opens: []int64{100, 500}, Closes: []int64{150, 200, 600}, Spans: []depc.Period{{From: 300, To: 400}}}))
	f.Add(encodePeriods(depc.Periods{{From: qos.NegInf, To: 5}, {From: 7, To: qos.PosInf}}))
	f.Add(encodeAdj([]adjEntry{{dst: 3}, {dst: 9, periods: encodePeriods(depc.Periods{{From: 7, To: qos.PosInf}})}}))
	f.Fuzz(func(t *testing.T, b []byte) {
		if es, err := decodeAdj(b); err == nil {
			for i, e := range es {
				if e.dst < 1 || (i > 0 && e.dst <= es[i-1].dst) {
					t.Fatalf("adjacency %v is not sorted by positive destination", es)
				}
				_, _ = decodePeriods(e.periods)
			}
			again, changed, err := mergeAdj(encodeAdj(es), es)
			if err != nil || changed || !bytes.Equal(again, encodeAdj(es)) {
				t.Fatalf("adjacency %v does not round-trip: %x, %v", es, again, err)
			}
		}
		if s, err := decodeEvents(b); err == nil {
			again, err := decodeEvents(encodeEvents(&s))
			if err != nil || !slices.Equal(again.Opens, s.Opens) || !slices.Equal(again.Closes, s.Closes) || !slices.Equal(again.Spans, s.Spans) {
				t.Fatalf("events %+v do not round-trip: %+v, %v", s, again, err)
			}
			_ = s.Periods()
		}
		if ps, err := decodePeriods(b); err == nil {
			for i, p := range ps {
				if p.From >= p.To || (i > 0 && p.From <= ps[i-1].To) {
					t.Fatalf("decoded periods %v are not canonical", ps)
				}
			}
			again, err := decodePeriods(encodePeriods(ps))
			if err != nil || !slices.Equal(again, ps) {
				t.Fatalf("periods %v do not round-trip: %v, %v", ps, again, err)
			}
		}
	})
}
