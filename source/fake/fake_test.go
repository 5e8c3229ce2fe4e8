package fake_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/qos"
	"github.com/depc-dev/depc/source/fake"
	"github.com/depc-dev/depc/source/sourcetest"
)

// day is the window of the vectors of spec/fake-source.md: 2020-07-29 UTC.
var day = depc.Window{Start: 1595980800, End: 1596067200}

// fetchOne returns the single series the source generates for name.
func fetchOne(t *testing.T, metric string, w depc.Window, name string) depc.Series {
	t.Helper()
	var got []depc.SourceResult
	err := fake.New().Fetch(context.Background(), depc.CheckParameters{Query: metric}, w, []string{name}, func(r depc.SourceResult) {
		got = append(got, r)
	})
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	if len(got) != 1 || got[0].Name != name || got[0].Err != nil || len(got[0].Series) != 1 {
		t.Fatalf("Fetch(%s, %s) = %+v, want one result with one series", metric, name, got)
	}
	return got[0].Series[0]
}

func values(pts []qos.Point) []float64 {
	v := make([]float64, len(pts))
	for i, p := range pts {
		v[i] = p.V
	}
	return v
}

func TestVectors(t *testing.T) {
	two100 := slices.Repeat([]float64{200}, 10)
	tests := []struct {
		name, metric string
		first        []float64
		sum          float64
		max          float64
		maxIndex     int
	}{
		{"filer1", fake.MetricPing, []float64{12, 12, 15, 6, 10, 6, 20, 16, 19, 6}, 18436, 133, 392},
		{"filer1", fake.MetricOCO, two100, 288400, 300, 694},
		{"filer1", fake.MetricDBConnections, []float64{17, 17, 20, 11, 15, 11, 11, 11, 15, 14}, 37892, 200, 199},
		{"filer1", fake.MetricHTTPStatus, two100, 294400, 500, 694},
		{"apache1", fake.MetricPing, []float64{18, 20, 8, 9, 6, 14, 11, 13, 9, 14}, 18397, 136, 986},
		{"apache1", fake.MetricOCO, two100, 292700, 300, 728},
		{"apache1", fake.MetricDBConnections, []float64{13, 14, 11, 19, 16, 18, 14, 19, 19, 12}, 37845, 200, 273},
		{"apache1", fake.MetricHTTPStatus, two100, 290500, 500, 495},
	}
	for _, tt := range tests {
		t.Run(tt.name+"/"+tt.metric, func(t *testing.T) {
			s := fetchOne(t, tt.metric, day, tt.name)
			if len(s.Points) != 1440 {
				t.Fatalf("%d points, want 1440", len(s.Points))
			}
			v := values(s.Points)
			if !slices.Equal(v[:10], tt.first) {
				t.Errorf("first ten = %v, want %v", v[:10], tt.first)
			}
			var sum float64
			for _, x := range v {
				sum += x
			}
			if sum != tt.sum {
				t.Errorf("sum = %v, want %v", sum, tt.sum)
			}
			m := slices.Max(v)
			if i := slices.Index(v, m); m != tt.max || i != tt.maxIndex {
				t.Errorf("max = %v at %d, want %v at %d", m, i, tt.max, tt.maxIndex)
			}
		})
	}
}

func TestPingAnomaly(t *testing.T) {
	v := values(fetchOne(t, fake.MetricPing, day, "filer1").Points)
	want := []float64{6, 18, 15, 74, 133, 43, 18, 6}
	if got := v[388:396]; !slices.Equal(got, want) {
		t.Errorf("filer1 ping[388:396] = %v, want %v", got, want)
	}
}

func TestSmallWindow(t *testing.T) {
	s := fetchOne(t, fake.MetricPing, depc.Window{Start: 0, End: 600}, "x")
	want := make([]qos.Point, 10)
	for i, v := range []float64{18, 16, 14, 13, 5, 15, 12, 13, 8, 16} {
		want[i] = qos.Point{T: int64(60 * i), V: v}
	}
	if !slices.Equal(s.Points, want) {
		t.Errorf("points = %v, want %v", s.Points, want)
	}
}

func TestSeriesShape(t *testing.T) {
	tests := []struct {
		w          depc.Window
		start, end int64 // first and last timestamps
		n          int
	}{
		{day, day.Start, day.End - 60, 1440},
		{depc.Window{Start: 100, End: 221}, 100, 220, 3}, // a partial last step still gets its point
		{depc.Window{Start: 100, End: 220}, 100, 160, 2}, // the end is exclusive
		{depc.Window{Start: -120, End: -119}, -120, -120, 1},
	}
	for _, tt := range tests {
		s := fetchOne(t, fake.MetricOCO, tt.w, "web-1")
		if len(s.Points) != tt.n || s.Points[0].T != tt.start || s.Points[len(s.Points)-1].T != tt.end {
			t.Errorf("window %v: %d points from %d to %d, want %d from %d to %d", tt.w, len(s.Points), s.Points[0].T, s.Points[len(s.Points)-1].T, tt.n, tt.start, tt.end)
		}
		for i := 1; i < len(s.Points); i++ {
			if s.Points[i].T-s.Points[i-1].T != 60 {
				t.Fatalf("window %v: step %d at %d", tt.w, s.Points[i].T-s.Points[i-1].T, i)
			}
		}
		if s.Labels["name"] != "web-1" || s.Labels["__name__"] != fake.MetricOCO || len(s.Labels) != 2 {
			t.Errorf("labels = %v", s.Labels)
		}
	}
}

func TestFetchIsDeterministicAndIndependent(t *testing.T) {
	// A name's series must not depend on the names fetched before it with
	// the same (reused) generator, nor on the lookback.
	alone := fetchOne(t, fake.MetricHTTPStatus, day, "apache1")
	var got depc.SourceResult
	names := []string{"filer1", "a", "apache1"}
	p := depc.CheckParameters{Query: fake.MetricHTTPStatus, Lookback: 3600}
	calls := 0
	err := fake.New().Fetch(context.Background(), p, day, []string{"filer1", "a", "filer1", "apache1", "a"}, func(r depc.SourceResult) {
		if r.Name != names[calls] {
			t.Errorf("call %d for %q, want %q", calls, r.Name, names[calls])
		}
		calls++
		if r.Name == "apache1" {
			got = r
		}
	})
	if err != nil || calls != 3 {
		t.Fatalf("Fetch = %v after %d calls, want nil after 3 (one per distinct name)", err, calls)
	}
	if !slices.Equal(got.Series[0].Points, alone.Points) {
		t.Error("apache1 differs when fetched after other names")
	}
}

func TestValidateCheck(t *testing.T) {
	s := fake.New()
	for _, m := range fake.Metrics {
		if err := s.ValidateCheck(depc.CheckParameters{Query: m, Threshold: "20"}); err != nil {
			t.Errorf("ValidateCheck(%q) = %v", m, err)
		}
	}
	for _, q := range []string{"", "depc.tutorial.Ping", "probe_rtt_ms", " depc.tutorial.ping"} {
		err := s.ValidateCheck(depc.CheckParameters{Query: q})
		if depc.ErrorCode(err) != depc.EINVALID || !strings.HasPrefix(depc.ErrorMessage(err), "parameters.query: ") {
			t.Errorf("ValidateCheck(%q) = %v, want EINVALID naming parameters.query", q, err)
		}
	}
}

func TestFetchErrors(t *testing.T) {
	tests := []struct {
		query  string
		w      depc.Window
		prefix string
	}{
		{"nope", day, "parameters.query: "},
		{fake.MetricPing, depc.Window{Start: 10, End: 10}, "window: "},
		{fake.MetricPing, depc.Window{Start: 10, End: 0}, "window: "},
		{fake.MetricPing, depc.Window{Start: 0, End: fake.MaxWindow + 1}, "window: "},
		{fake.MetricPing, depc.Window{Start: qos.NegInf, End: qos.PosInf}, "window: "},
	}
	for _, tt := range tests {
		var errs []error
		err := fake.New().Fetch(context.Background(), depc.CheckParameters{Query: tt.query}, tt.w, []string{"a", "b", "a"}, func(r depc.SourceResult) {
			if r.Series != nil {
				t.Errorf("%q %v: series with an error", tt.query, tt.w)
			}
			errs = append(errs, r.Err)
		})
		if err != nil || len(errs) != 2 {
			t.Fatalf("%q %v: Fetch = %v with %d results, want nil with 2", tt.query, tt.w, err, len(errs))
		}
		for _, e := range errs {
			if depc.ErrorCode(e) != depc.EINVALID || !strings.HasPrefix(depc.ErrorMessage(e), tt.prefix) {
				t.Errorf("%q %v: error %v, want EINVALID starting %q", tt.query, tt.w, e, tt.prefix)
			}
		}
	}
}

func TestFetchCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	calls := 0
	err := fake.New().Fetch(ctx, depc.CheckParameters{Query: fake.MetricPing}, day, []string{"a"}, func(depc.SourceResult) { calls++ })
	if !errors.Is(err, context.Canceled) || calls != 0 {
		t.Errorf("Fetch with a cancelled context = %v after %d calls", err, calls)
	}
}

func TestOpen(t *testing.T) {
	for _, c := range []string{"", "null", "{}", " { } "} {
		if _, err := fake.Open([]byte(c)); err != nil {
			t.Errorf("Open(%q) = %v", c, err)
		}
	}
	for _, c := range []string{`{"url": "x"}`, `[]`, `3`, `{`} {
		if _, err := fake.Open([]byte(c)); depc.ErrorCode(err) != depc.EINVALID || !strings.HasPrefix(depc.ErrorMessage(err), "configuration") {
			t.Errorf("Open(%q) = %v, want EINVALID naming configuration", c, err)
		}
	}
}

// TestContract runs the source conformance suite: the Fake source has data
// for every name, so the fixture has no name without data.
func TestContract(t *testing.T) {
	sourcetest.Run(t, func(*testing.T) depc.Source { return fake.New() }, sourcetest.Fixture{
		Check:   depc.CheckParameters{Query: fake.MetricPing, Threshold: "20"},
		Window:  day,
		Names:   []string{"filer1", "apache1", `web(1)+[a].b|c*$`},
		Invalid: depc.CheckParameters{Query: "depc.tutorial.nope", Threshold: "20"},
	})
}
