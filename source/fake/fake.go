package fake

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"sync"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/qos"
)

// MaxWindow is the longest window the source generates, in seconds (400
// days): it bounds the memory one series takes (9 MB) whatever a caller asks.
const MaxWindow = 400 * 86400

// Source is the Fake source. Its zero value is ready to use and it is safe
// for concurrent use.
type Source struct {
	// pool keeps generators between calls: a generator holds a 2.5 KB
	// twister state and a permutation buffer as long as the window.
	pool sync.Pool
}

var _ depc.Source = (*Source)(nil)

// New returns a Fake source.
func New() *Source { return &Source{} }

// Open returns a Fake source for a stored source configuration. The Fake
// source has no settings: the configuration must be absent, null or {}.
func Open(configuration json.RawMessage) (*Source, error) {
	c := bytes.TrimSpace(configuration)
	if len(c) != 0 && !bytes.Equal(c, []byte("null")) {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(c, &m); err != nil {
			return nil, depc.Errorf(depc.EINVALID, "configuration: must be a JSON object")
		}
		for k := range m {
			return nil, depc.Errorf(depc.EINVALID, "configuration.%s: unknown setting (the Fake source takes none)", k)
		}
	}
	return New(), nil
}

// Close does nothing: the Fake source holds no connection.
func (s *Source) Close() error { return nil }

// ValidateCheck accepts a check whose query names one of Metrics. The other
// parameters (label, step, lookback) mean nothing to this source and are
// ignored; the threshold is the caller's to validate.
func (s *Source) ValidateCheck(p depc.CheckParameters) error {
	_, err := lookup(p.Query)
	return err
}

func lookup(query string) (metric, error) {
	if m, ok := metrics[query]; ok {
		return m, nil
	}
	return nil, depc.Errorf(depc.EINVALID, "parameters.query: unknown metric %q: the Fake source generates %s", query, strings.Join(Metrics, ", "))
}

// Fetch generates, for every name, one series named after the metric and
// tagged name=<name>, with a datapoint at w.Start, w.Start+60, … while before
// w.End. It never looks before w.Start: the lookback is ignored. fn is
// called once per distinct name, in the order of names. An unknown metric or
// a bad window (empty, or longer than MaxWindow) is reported to fn for every
// name.
// Fetch returns an error only when ctx is cancelled.
func (s *Source) Fetch(ctx context.Context, p depc.CheckParameters, w depc.Window, names []string, fn func(depc.SourceResult)) error {
	m, err := lookup(p.Query)
	if err == nil {
		err = checkWindow(w)
	}
	if err != nil {
		seen := make(map[string]struct{}, len(names))
		for _, name := range names {
			if _, dup := seen[name]; !dup {
				seen[name] = struct{}{}
				fn(depc.SourceResult{Name: name, Err: err})
			}
		}
		return nil
	}
	g, _ := s.pool.Get().(*generator)
	if g == nil {
		g = new(generator)
	}
	defer s.pool.Put(g)

	size := int((uint64(w.End-w.Start) + Step - 1) / Step)
	seen := make(map[string]struct{}, len(names))
	for i, name := range names {
		// Checking every name would cost more than generating small windows.
		if i%64 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if _, dup := seen[name]; dup {
			continue
		}
		seen[name] = struct{}{}
		pts := make([]qos.Point, size)
		g.fill(m, w.Start, w.End, name, pts)
		fn(depc.SourceResult{Name: name, Series: []depc.Series{{
			Labels: map[string]string{"__name__": p.Query, "name": name},
			Points: pts,
		}}})
	}
	return nil
}

func checkWindow(w depc.Window) error {
	if w.End <= w.Start {
		return depc.Errorf(depc.EINVALID, "window: end %d is not after start %d", w.End, w.Start)
	}
	// The difference of two int64 with End > Start always fits in a uint64.
	if uint64(w.End-w.Start) > MaxWindow {
		return depc.Errorf(depc.EINVALID, "window: %d s is longer than the Fake source's limit of %d s", uint64(w.End-w.Start), MaxWindow)
	}
	return nil
}
