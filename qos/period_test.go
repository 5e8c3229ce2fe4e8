package qos_test

import (
	"slices"
	"testing"

	"github.com/depc-dev/depc/qos"
)

type P = qos.Period

func TestNormalizePeriods(t *testing.T) {
	tests := []struct {
		name string
		in   []qos.Period
		want qos.Periods
	}{
		{"nil", nil, nil},
		{"only empty periods", []P{{5, 5}, {7, 3}}, nil},
		{"sorted already", []P{{1, 2}, {4, 5}}, qos.Periods{{1, 2}, {4, 5}}},
		{"unsorted", []P{{4, 5}, {1, 2}}, qos.Periods{{1, 2}, {4, 5}}},
		{"overlapping", []P{{1, 5}, {3, 8}}, qos.Periods{{1, 8}}},
		{"touching merge", []P{{1, 3}, {3, 6}}, qos.Periods{{1, 6}}},
		{"contained", []P{{1, 10}, {3, 4}}, qos.Periods{{1, 10}}},
		{"infinite ends", []P{{qos.NegInf, 0}, {10, qos.PosInf}, {-5, 12}}, qos.Periods{{qos.NegInf, qos.PosInf}}},
		{"empty dropped among others", []P{{3, 3}, {1, 2}}, qos.Periods{{1, 2}}},
		{"same start, longer last", []P{{1, 2}, {1, 5}}, qos.Periods{{1, 5}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := qos.NormalizePeriods(slices.Clone(tt.in))
			if !slices.Equal(got, tt.want) {
				t.Errorf("NormalizePeriods(%v) = %v, want %v", tt.in, got, tt.want)
			}
			if !got.Canonical() {
				t.Errorf("%v is not canonical", got)
			}
		})
	}
}

func TestCanonical(t *testing.T) {
	for _, c := range []struct {
		ps   qos.Periods
		want bool
	}{
		{nil, true},
		{qos.Always, true},
		{qos.Periods{{1, 2}, {3, 4}}, true},
		{qos.Periods{{1, 2}, {2, 4}}, false},
		{qos.Periods{{3, 4}, {1, 2}}, false},
		{qos.Periods{{1, 1}}, false},
		{qos.Periods{{1, 5}, {3, 8}}, false},
	} {
		if got := c.ps.Canonical(); got != c.want {
			t.Errorf("%v.Canonical() = %v, want %v", c.ps, got, c.want)
		}
	}
}

func TestUnionIntersect(t *testing.T) {
	a := qos.Periods{{0, 10}, {20, 30}}
	b := qos.Periods{{5, 25}, {40, qos.PosInf}}
	if got, want := qos.Union(a, b), (qos.Periods{{0, 30}, {40, qos.PosInf}}); !slices.Equal(got, want) {
		t.Errorf("Union = %v, want %v", got, want)
	}
	if got, want := qos.Intersect(a, b), (qos.Periods{{5, 10}, {20, 25}}); !slices.Equal(got, want) {
		t.Errorf("Intersect = %v, want %v", got, want)
	}
	if got := qos.Intersect(a, nil); got != nil {
		t.Errorf("Intersect with never = %v", got)
	}
	if got := qos.Intersect(a, qos.Always); !slices.Equal(got, a) {
		t.Errorf("Intersect with always = %v", got)
	}
	if got := qos.Intersect(qos.Periods{{0, 5}}, qos.Periods{{5, 10}}); got != nil {
		t.Errorf("Intersect of touching periods = %v, want nil", got)
	}
	if got := qos.Union(nil, nil); got != nil {
		t.Errorf("Union of nothing = %v", got)
	}
	if !slices.Equal(a, qos.Periods{{0, 10}, {20, 30}}) {
		t.Errorf("Union modified its input: %v", a)
	}
}

func TestActive(t *testing.T) {
	ps := qos.Periods{{0, 10}, {20, qos.PosInf}}
	for _, c := range []struct {
		t    int64
		want bool
	}{{-1, false}, {0, true}, {9, true}, {10, false}, {19, false}, {20, true}, {1 << 62, true}} {
		if got := ps.ActiveAt(c.t); got != c.want {
			t.Errorf("ActiveAt(%d) = %v, want %v", c.t, got, c.want)
		}
	}
	for _, c := range []struct {
		w    qos.Window
		want bool
	}{
		{qos.Window{Start: -10, End: 0}, false},
		{qos.Window{Start: -10, End: 1}, true},
		{qos.Window{Start: 10, End: 20}, false},
		{qos.Window{Start: 10, End: 21}, true},
		{qos.Window{Start: 5, End: 5}, false},
		{qos.Window{Start: 100, End: 200}, true},
	} {
		if got := ps.ActiveDuring(c.w); got != c.want {
			t.Errorf("ActiveDuring(%v) = %v, want %v", c.w, got, c.want)
		}
	}
	if qos.Periods(nil).ActiveAt(0) || qos.Periods(nil).ActiveDuring(qos.Window{Start: 0, End: 10}) {
		t.Error("nil periods are active")
	}
	if !qos.Always.ActiveAt(qos.NegInf) || !qos.Always.ActiveAt(qos.PosInf-1) {
		t.Error("Always is not active at its ends")
	}
}

func TestActiveTogether(t *testing.T) {
	w := qos.Window{Start: 0, End: 100}
	for _, c := range []struct {
		name string
		a, b qos.Periods
		want bool
	}{
		{"both always", qos.Always, qos.Always, true},
		{"one never", qos.Always, nil, false},
		{"overlap inside", qos.Periods{{10, 20}}, qos.Periods{{15, 30}}, true},
		{"touching only", qos.Periods{{10, 20}}, qos.Periods{{20, 30}}, false},
		{"overlap across the window's start", qos.Periods{{-20, 3}}, qos.Periods{{-10, 5}}, true},
		{"overlap before the window only", qos.Periods{{-20, -5}}, qos.Periods{{-10, 5}}, false},
		{"overlap after the window only", qos.Periods{{100, 200}}, qos.Always, false},
		{"each during the window, never together", qos.Periods{{0, 10}, {50, 60}}, qos.Periods{{20, 40}, {70, 80}}, false},
		{"together in the second pair", qos.Periods{{0, 10}, {50, 60}}, qos.Periods{{20, 40}, {59, 80}}, true},
	} {
		if got := qos.ActiveTogether(c.a, c.b, w); got != c.want {
			t.Errorf("%s: ActiveTogether(%v, %v) = %v, want %v", c.name, c.a, c.b, got, c.want)
		}
	}
	if qos.ActiveTogether(qos.Always, qos.Always, qos.Window{Start: 5, End: 5}) {
		t.Error("active together during an empty window")
	}
}

func TestClip(t *testing.T) {
	ps := qos.Periods{{qos.NegInf, 5}, {8, 12}, {20, qos.PosInf}}
	if got, want := ps.Clip(qos.Window{Start: 0, End: 25}), (qos.Periods{{0, 5}, {8, 12}, {20, 25}}); !slices.Equal(got, want) {
		t.Errorf("Clip = %v, want %v", got, want)
	}
	if got := ps.Clip(qos.Window{Start: 5, End: 8}); got != nil {
		t.Errorf("Clip to a gap = %v", got)
	}
	if got := ps.Clip(qos.Window{Start: 9, End: 9}); got != nil {
		t.Errorf("Clip to an empty window = %v", got)
	}
}
