package sourcetest

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/depc-dev/depc"
)

// Fixture is what the data behind a source holds, for the suite to ask.
type Fixture struct {
	// Check is a check the source accepts, with data for Names over
	// Window.
	Check depc.CheckParameters
	// Window is a window over which every name of Names has data.
	Window depc.Window
	// Names are at least two names with data over Window (names with
	// regular expression or query-language metacharacters are welcome).
	Names []string
	// NoData are names with no data over Window; none when the source has
	// data for every name (the Fake source).
	NoData []string
	// Invalid is a check the source refuses: ValidateCheck says EINVALID
	// naming parameters, and Fetch gives that error to every name.
	Invalid depc.CheckParameters
}

// Defaults of depc.CheckParameters, which bound how far before a window a
// source may look.
const (
	defaultStep     = 60
	defaultLookback = 300
)

// Run runs the suite against the sources open returns. open is called once
// per subtest and returns a new source, ready to use; the suite closes it.
func Run(t *testing.T, open func(t *testing.T) depc.Source, f Fixture) {
	if len(f.Names) < 2 {
		t.Fatalf("sourcetest: the fixture needs at least two names with data, has %v", f.Names)
	}
	h := &harness{open: open, f: f}
	tests := []struct {
		name string
		fn   func(*testing.T, *harness)
	}{
		{"ValidateCheck", testValidateCheck},
		{"OneResultPerName", testOneResultPerName},
		{"CallingGoroutine", testCallingGoroutine},
		{"WithinWindow", testWithinWindow},
		{"SubWindow", testSubWindow},
		{"IndependentOfOtherNames", testIndependentOfOtherNames},
		{"NoNames", testNoNames},
		{"InvalidCheck", testInvalidCheck},
		{"EmptyWindow", testEmptyWindow},
		{"Cancelled", testCancelled},
		{"CancelledDuring", testCancelledDuring},
		{"Concurrent", testConcurrent},
	}
	if len(f.NoData) > 0 {
		tests = append(tests, struct {
			name string
			fn   func(*testing.T, *harness)
		}{"NoData", testNoData})
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, h) })
	}
}

type harness struct {
	open func(t *testing.T) depc.Source
	f    Fixture
}

// source opens a source for the current subtest and closes it at its end.
func (h *harness) source(t *testing.T) depc.Source {
	t.Helper()
	s := h.open(t)
	if s == nil {
		t.Fatal("sourcetest: open returned nil")
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// fetch runs Fetch and returns the results by name, failing on a result
// for a name not asked for, a name given twice, or an error of Fetch.
func fetch(t *testing.T, s depc.Source, p depc.CheckParameters, w depc.Window, names []string) map[string]depc.SourceResult {
	t.Helper()
	got, err := collect(t, context.Background(), s, p, w, names, nil)
	if err != nil {
		t.Fatalf("Fetch(%q, %v, %d names): %v", p.Query, w, len(names), err)
	}
	return got
}

// collect runs Fetch, checking every call of fn (a name asked for, once,
// calls that never overlap) and calling each, when set, after it.
func collect(t *testing.T, ctx context.Context, s depc.Source, p depc.CheckParameters, w depc.Window, names []string, each func(depc.SourceResult)) (map[string]depc.SourceResult, error) {
	t.Helper()
	asked := make(map[string]bool, len(names))
	for _, n := range names {
		asked[n] = true
	}
	got := make(map[string]depc.SourceResult, len(asked))
	var busy atomic.Bool
	err := s.Fetch(ctx, p, w, names, func(r depc.SourceResult) {
		if !busy.CompareAndSwap(false, true) {
			t.Errorf("fn called for %q while another call runs", r.Name)
		}
		defer busy.Store(false)
		if !asked[r.Name] {
			t.Errorf("a result for %q, which was not asked for", r.Name)
		}
		if _, dup := got[r.Name]; dup {
			t.Errorf("two results for %q", r.Name)
		}
		got[r.Name] = r
		if each != nil {
			each(r)
		}
	})
	return got, err
}

func distinct(names []string) []string {
	out := slices.Clone(names)
	slices.Sort(out)
	return slices.Compact(out)
}

func testValidateCheck(t *testing.T, h *harness) {
	s := h.source(t)
	if err := s.ValidateCheck(h.f.Check); err != nil {
		t.Errorf("ValidateCheck(%+v) = %v, want nil", h.f.Check, err)
	}
	err := s.ValidateCheck(h.f.Invalid)
	if depc.ErrorCode(err) != depc.EINVALID || !strings.HasPrefix(depc.ErrorMessage(err), "parameters") {
		t.Errorf("ValidateCheck(%+v) = %v, want EINVALID naming parameters", h.f.Invalid, err)
	}
}

// testOneResultPerName: every distinct name gets exactly one result, repeated
// names included; names with data get series of points, without error.
func testOneResultPerName(t *testing.T, h *harness) {
	s := h.source(t)
	names := append(append(slices.Clone(h.f.Names), h.f.NoData...), h.f.Names[0], h.f.Names[1])
	if len(h.f.NoData) > 0 {
		names = append(names, h.f.NoData[0])
	}
	got := fetch(t, s, h.f.Check, h.f.Window, names)
	if want := distinct(names); len(got) != len(want) {
		t.Errorf("%d results for %d distinct names", len(got), len(want))
	}
	for _, n := range h.f.Names {
		r, ok := got[n]
		switch {
		case !ok:
			t.Errorf("%q: no result", n)
		case r.Err != nil:
			t.Errorf("%q: %v", n, r.Err)
		case len(r.Series) == 0:
			t.Errorf("%q: no series, but the fixture has data for it", n)
		}
		for _, sr := range r.Series {
			if len(sr.Points) == 0 {
				t.Errorf("%q: a series with no point: %v", n, sr.Labels)
			}
		}
	}
}

// testNoData: a name without data is an empty result, not an error. It
// runs when the fixture has such names.
func testNoData(t *testing.T, h *harness) {
	s := h.source(t)
	got := fetch(t, s, h.f.Check, h.f.Window, append(slices.Clone(h.f.NoData), h.f.Names[0]))
	for _, n := range h.f.NoData {
		r, ok := got[n]
		if !ok || r.Err != nil || len(r.Series) != 0 {
			t.Errorf("%q (no data): result %+v (given: %v), want one with no series and no error", n, r, ok)
		}
	}
}

// goroutineID returns the id of the calling goroutine, from its stack's
// header ("goroutine 42 [running]:"): tests only.
func goroutineID() string {
	buf := make([]byte, 64)
	buf = buf[:runtime.Stack(buf, false)]
	id, _, _ := strings.Cut(strings.TrimPrefix(string(buf), "goroutine "), " ")
	return id
}

// testCallingGoroutine: fn runs on the goroutine that called Fetch, so a
// caller needs no lock around what fn touches.
func testCallingGoroutine(t *testing.T, h *harness) {
	s := h.source(t)
	caller := goroutineID()
	_, err := collect(t, context.Background(), s, h.f.Check, h.f.Window, manyNames(h.f), func(r depc.SourceResult) {
		if id := goroutineID(); id != caller {
			t.Errorf("fn for %q ran on goroutine %s, not on the caller's %s", r.Name, id, caller)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
}

// manyNames returns the fixture's names and enough more without data that
// a source batching names needs several queries.
func manyNames(f Fixture) []string {
	names := append(slices.Clone(f.Names), f.NoData...)
	for i := range 1200 {
		names = append(names, fmt.Sprintf("sourcetest-%d", i))
	}
	return names
}

// checkPoints checks that every point of every series is within the window
// and the lookback before it (rounded up to a whole step), in time order.
func checkPoints(t *testing.T, what string, p depc.CheckParameters, w depc.Window, got map[string]depc.SourceResult) {
	t.Helper()
	step, lookback := p.Step, p.Lookback
	if step == 0 {
		step = defaultStep
	}
	if lookback == 0 {
		lookback = defaultLookback
	}
	from := w.Start - (lookback+step-1)/step*step
	for n, r := range got {
		for _, sr := range r.Series {
			for i, pt := range sr.Points {
				if pt.T < from || pt.T >= w.End {
					t.Errorf("%s: %q: point at %d, outside [%d, %d) (window %v, lookback %d s)", what, n, pt.T, from, w.End, w, lookback)
					break
				}
				if i > 0 && pt.T <= sr.Points[i-1].T {
					t.Errorf("%s: %q: point at %d after %d: not in time order", what, n, pt.T, sr.Points[i-1].T)
					break
				}
			}
		}
	}
}

func testWithinWindow(t *testing.T, h *harness) {
	s := h.source(t)
	for _, lookback := range []int64{0, 60, 600} {
		p := h.f.Check
		p.Lookback = lookback
		checkPoints(t, fmt.Sprintf("lookback %d", lookback), p, h.f.Window, fetch(t, s, p, h.f.Window, h.f.Names))
	}
}

// testSubWindow: parts of the fixture's window, down to one minute, keep
// their points inside.
func testSubWindow(t *testing.T, h *harness) {
	s := h.source(t)
	w := h.f.Window
	mid := w.Start + (w.End-w.Start)/2
	for _, sub := range []depc.Window{{Start: w.Start, End: mid}, {Start: mid, End: w.End}, {Start: mid, End: mid + 60}, {Start: mid + 1, End: mid + 2}} {
		if sub.End > w.End || sub.End <= sub.Start {
			continue
		}
		got := fetch(t, s, h.f.Check, sub, h.f.Names)
		for _, n := range h.f.Names {
			if r := got[n]; r.Err != nil {
				t.Errorf("window %v: %q: %v", sub, n, r.Err)
			}
		}
		checkPoints(t, fmt.Sprintf("window %v", sub), h.f.Check, sub, got)
	}
}

// testIndependentOfOtherNames: a name fetched alone gets the series it gets
// fetched with others (batching must not mix nodes). The fixture's check
// fails for no name, so no error may appear either.
func testIndependentOfOtherNames(t *testing.T, h *harness) {
	s := h.source(t)
	together := fetch(t, s, h.f.Check, h.f.Window, manyNames(h.f))
	for _, n := range h.f.Names {
		alone := fetch(t, s, h.f.Check, h.f.Window, []string{n})[n]
		if a, b := canonical(alone), canonical(together[n]); a != b {
			t.Errorf("%q fetched alone and with others differs:\nalone    %.300s\ntogether %.300s", n, a, b)
		}
	}
}

// canonical prints a result with its series in a stable order.
func canonical(r depc.SourceResult) string {
	out := make([]string, len(r.Series))
	for i, sr := range r.Series {
		keys := make([]string, 0, len(sr.Labels))
		for k, v := range sr.Labels {
			keys = append(keys, k+"="+v)
		}
		sort.Strings(keys)
		out[i] = fmt.Sprintf("{%s} %v", strings.Join(keys, ","), sr.Points)
	}
	sort.Strings(out)
	return fmt.Sprintf("err=%v %s", r.Err, strings.Join(out, " "))
}

func testNoNames(t *testing.T, h *harness) {
	s := h.source(t)
	for _, names := range [][]string{nil, {}} {
		if got := fetch(t, s, h.f.Check, h.f.Window, names); len(got) != 0 {
			t.Errorf("Fetch of no name: %d results", len(got))
		}
	}
}

// perNameError checks that every distinct name got EINVALID naming the
// field, and no series.
func perNameError(t *testing.T, what string, names []string, got map[string]depc.SourceResult, field string) {
	t.Helper()
	for _, n := range distinct(names) {
		r, ok := got[n]
		if !ok {
			t.Errorf("%s: no result for %q", what, n)
			continue
		}
		if depc.ErrorCode(r.Err) != depc.EINVALID || !strings.HasPrefix(depc.ErrorMessage(r.Err), field) || r.Series != nil {
			t.Errorf("%s: %q: %v with %d series, want EINVALID naming %s and no series", what, n, r.Err, len(r.Series), field)
		}
	}
}

func testInvalidCheck(t *testing.T, h *harness) {
	s := h.source(t)
	names := append(append(slices.Clone(h.f.Names), h.f.NoData...), h.f.Names[0])
	perNameError(t, "invalid check", names, fetch(t, s, h.f.Invalid, h.f.Window, names), "parameters")
}

func testEmptyWindow(t *testing.T, h *harness) {
	s := h.source(t)
	start := h.f.Window.Start
	for _, w := range []depc.Window{{Start: start, End: start}, {Start: start, End: start - 60}} {
		perNameError(t, fmt.Sprintf("window %v", w), h.f.Names, fetch(t, s, h.f.Check, w, h.f.Names), "window")
	}
}

// testCancelled: with its context ended, Fetch says so (at most one result
// per name before it noticed).
func testCancelled(t *testing.T, h *harness) {
	s := h.source(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := collect(t, ctx, s, h.f.Check, h.f.Window, manyNames(h.f), nil)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Fetch with a cancelled context = %v, want context.Canceled", err)
	}
}

// testCancelledDuring: a context ended during Fetch either stops it with
// the context's error, or Fetch finished first and every name had its
// result; never a name's error in place of Fetch's.
func testCancelledDuring(t *testing.T, h *harness) {
	s := h.source(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	names := manyNames(h.f)
	got, err := collect(t, ctx, s, h.f.Check, h.f.Window, names, func(depc.SourceResult) { cancel() })
	switch {
	case err == nil && len(got) != len(distinct(names)):
		t.Errorf("Fetch = nil after %d of %d results: a Fetch that stopped early must say so", len(got), len(distinct(names)))
	case err != nil && !errors.Is(err, context.Canceled):
		t.Errorf("Fetch = %v, want nil or context.Canceled", err)
	}
	for n, r := range got {
		if r.Err != nil && errors.Is(r.Err, context.Canceled) {
			t.Errorf("%q: the caller's cancellation given as the name's error: %v", n, r.Err)
		}
	}
}

// testConcurrent: fetches running at once on one source get what they get
// alone.
func testConcurrent(t *testing.T, h *harness) {
	s := h.source(t)
	want := fetch(t, s, h.f.Check, h.f.Window, h.f.Names)
	var wg sync.WaitGroup
	var mu sync.Mutex
	for range 4 {
		wg.Go(func() {
			got := map[string]depc.SourceResult{}
			err := s.Fetch(context.Background(), h.f.Check, h.f.Window, h.f.Names, func(r depc.SourceResult) { got[r.Name] = r })
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				t.Errorf("concurrent Fetch: %v", err)
				return
			}
			for _, n := range h.f.Names {
				if a, b := canonical(got[n]), canonical(want[n]); a != b {
					t.Errorf("%q: a concurrent fetch got %.200s, want %.200s", n, a, b)
				}
			}
		})
	}
	wg.Wait()
}
