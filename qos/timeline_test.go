package qos_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/depc-dev/depc/qos"
)

func TestNewTimeline(t *testing.T) {
	w := qos.Window{Start: 10, End: 20}
	iv := func(from, to int64, s qos.State) qos.Interval { return qos.Interval{From: from, To: to, State: s} }
	tests := []struct {
		name    string
		w       qos.Window
		ivs     []qos.Interval
		want    []qos.Interval
		wantErr string
	}{
		{"one interval", w, []qos.Interval{iv(10, 20, qos.OK)}, []qos.Interval{iv(10, 20, qos.OK)}, ""},
		{"merges equal neighbours", w,
			[]qos.Interval{iv(10, 12, qos.KO), iv(12, 15, qos.KO), iv(15, 17, qos.OK), iv(17, 20, qos.OK)},
			[]qos.Interval{iv(10, 15, qos.KO), iv(15, 20, qos.OK)}, ""},
		{"keeps unknown", w, []qos.Interval{iv(10, 11, qos.Unknown), iv(11, 20, qos.KO)},
			[]qos.Interval{iv(10, 11, qos.Unknown), iv(11, 20, qos.KO)}, ""},
		{"empty window, no interval", qos.Window{Start: 5, End: 5}, nil, nil, ""},
		{"empty window with intervals", qos.Window{Start: 5, End: 5}, []qos.Interval{iv(5, 6, qos.OK)}, nil, "is empty"},
		{"no interval", w, nil, nil, "no interval covers"},
		{"starts late", w, []qos.Interval{iv(11, 20, qos.OK)}, nil, "interval 0 starts at 11, want 10"},
		{"gap", w, []qos.Interval{iv(10, 12, qos.OK), iv(13, 20, qos.KO)}, nil, "interval 1 starts at 13, want 12"},
		{"overlap", w, []qos.Interval{iv(10, 13, qos.OK), iv(12, 20, qos.KO)}, nil, "interval 1 starts at 12, want 13"},
		{"empty interval", w, []qos.Interval{iv(10, 10, qos.OK), iv(10, 20, qos.KO)}, nil, "interval 0 [10, 10) is empty"},
		{"ends early", w, []qos.Interval{iv(10, 19, qos.OK)}, nil, "end at 19, want the window's end 20"},
		{"ends late", w, []qos.Interval{iv(10, 21, qos.OK)}, nil, "end at 21"},
		{"bad state", w, []qos.Interval{iv(10, 20, qos.State(3))}, nil, "invalid state 3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := qos.NewTimeline(tt.w, tt.ivs)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got.Intervals(), tt.want) || got.Window() != tt.w {
				t.Errorf("got %v over %v, want %v", got.Intervals(), got.Window(), tt.want)
			}
		})
	}
}

func TestNewTimelineCopies(t *testing.T) {
	ivs := []qos.Interval{{From: 0, To: 5, State: qos.OK}, {From: 5, To: 10, State: qos.KO}}
	tl, err := qos.NewTimeline(qos.Window{Start: 0, End: 10}, ivs)
	if err != nil {
		t.Fatal(err)
	}
	ivs[0].State = qos.KO
	if tl.StateAt(0) != qos.OK {
		t.Error("NewTimeline kept the caller's slice")
	}
}

func TestConstant(t *testing.T) {
	w := qos.Window{Start: 100, End: 200}
	for _, s := range []qos.State{qos.Unknown, qos.OK, qos.KO} {
		tl := qos.Constant(w, s)
		if want := []qos.Interval{{From: 100, To: 200, State: s}}; !slices.Equal(tl.Intervals(), want) {
			t.Errorf("Constant(%v) = %v", s, tl.Intervals())
		}
	}
	if tl := qos.Constant(qos.Window{Start: 5, End: 1}, qos.OK); len(tl.Intervals()) != 0 {
		t.Errorf("Constant over an empty window = %v", tl.Intervals())
	}
}

func TestTimelineSecondsAndQoS(t *testing.T) {
	w := qos.Window{Start: 0, End: 100}
	tl, err := qos.NewTimeline(w, []qos.Interval{
		{From: 0, To: 60, State: qos.OK}, {From: 60, To: 80, State: qos.KO},
		{From: 80, To: 90, State: qos.Unknown}, {From: 90, To: 100, State: qos.KO},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := tl.Seconds(), (qos.Seconds{OK: 60, KO: 30, Unknown: 10}); got != want {
		t.Errorf("Seconds = %+v, want %+v", got, want)
	}
	if q := tl.QoS(); !q.Valid || q.Value != 100*60.0/90 {
		t.Errorf("QoS = %+v, want 66.666…", q)
	}
	if got, want := tl.Downtime(), []qos.Period{{From: 60, To: 80}, {From: 90, To: 100}}; !slices.Equal(got, want) {
		t.Errorf("Downtime = %v, want %v", got, want)
	}
	if got := qos.Constant(w, qos.OK).Downtime(); got != nil {
		t.Errorf("Downtime of an OK timeline = %v, want nil", got)
	}
	if q := qos.Constant(w, qos.Unknown).QoS(); q.Valid {
		t.Errorf("QoS of an unknown timeline = %+v, want null", q)
	}
	if q := qos.Constant(w, qos.KO).QoS(); !q.Valid || q.Value != 0 {
		t.Errorf("QoS of a KO timeline = %+v, want 0", q)
	}
	if q := (qos.Timeline{}).QoS(); q.Valid {
		t.Errorf("QoS of the zero timeline = %+v, want null", q)
	}
}

func TestTimelineStateAtAndString(t *testing.T) {
	tl, err := qos.NewTimeline(qos.Window{Start: -5, End: 5}, []qos.Interval{
		{From: -5, To: 0, State: qos.KO}, {From: 0, To: 5, State: qos.OK},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		at   int64
		want qos.State
	}{{-6, qos.Unknown}, {-5, qos.KO}, {-1, qos.KO}, {0, qos.OK}, {4, qos.OK}, {5, qos.Unknown}} {
		if got := tl.StateAt(c.at); got != c.want {
			t.Errorf("StateAt(%d) = %v, want %v", c.at, got, c.want)
		}
	}
	if got, want := tl.String(), "[-5,0)KO [0,5)OK"; got != want {
		t.Errorf("String = %q, want %q", got, want)
	}
	if got, want := (qos.Timeline{}).String(), "empty window [0,0)"; got != want {
		t.Errorf("String = %q, want %q", got, want)
	}
}

func TestTimelineEqual(t *testing.T) {
	w := qos.Window{Start: 0, End: 10}
	a := qos.Constant(w, qos.OK)
	b, _ := qos.NewTimeline(w, []qos.Interval{{From: 0, To: 4, State: qos.OK}, {From: 4, To: 10, State: qos.OK}})
	if !a.Equal(b) {
		t.Errorf("%v and %v differ", a, b)
	}
	if a.Equal(qos.Constant(w, qos.KO)) {
		t.Error("OK equals KO")
	}
	if a.Equal(qos.Constant(qos.Window{Start: 0, End: 11}, qos.OK)) {
		t.Error("timelines over different windows are equal")
	}
}

func TestStateString(t *testing.T) {
	for s, want := range map[qos.State]string{qos.Unknown: "UNKNOWN", qos.OK: "OK", qos.KO: "KO", 7: "State(7)"} {
		if got := s.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", s, got, want)
		}
	}
}

func TestWindow(t *testing.T) {
	w := qos.Window{Start: 10, End: 20}
	if w.Len() != 10 || w.Empty() || !w.Contains(10) || w.Contains(20) || w.Contains(9) {
		t.Errorf("window %v: Len %d Empty %v", w, w.Len(), w.Empty())
	}
	e := qos.Window{Start: 20, End: 10}
	if e.Len() != 0 || !e.Empty() || e.Contains(15) {
		t.Errorf("window %v: Len %d Empty %v", e, e.Len(), e.Empty())
	}
}
