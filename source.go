package depc

import (
	"context"
	"encoding/json"

	"github.com/depc-dev/depc/qos"
)

// Names of the built-in source plugins (SourcePlugin.Name of
// prometheus.Plugin and fake.Plugin), for demo data and tests. A new plugin
// needs no constant here: its package names it.
const (
	PluginPrometheus = "Prometheus"
	PluginFake       = "Fake"
)

// SourceConfig is a team's connection to a time-series database (or the
// Fake generator), as stored and as shown by the API.
type SourceConfig struct {
	Name          string          `json:"name"`
	Plugin        string          `json:"plugin"`
	Configuration json.RawMessage `json:"configuration"`
	// Enforce are labels every series selector of every query through the
	// source must match: set by ResolveShared for a team's use of a shared
	// source, never stored nor sent. SourcePlugins.Open refuses them for a
	// plugin that cannot enforce them.
	Enforce []LabelMatcher `json:"-"`
}

// Check types.
const (
	CheckThreshold = "Threshold"
	CheckInterval  = "Interval"
)

// Check is an indicator: a query on a source plus a Threshold or Interval
// that turns its datapoints into an OK/KO timeline.
type Check struct {
	Name       string          `json:"name"`
	Source     string          `json:"source"`
	Type       string          `json:"type"`
	Parameters CheckParameters `json:"parameters"`
}

// CheckParameters are a check's source query and its bound.
type CheckParameters struct {
	// Query is PromQL for Prometheus, a metric name for Fake.
	Query string `json:"query"`
	// Threshold is "T" for a Threshold check, "A:B" for an Interval one.
	Threshold string `json:"threshold"`
	// Label is the series label holding the node name (Prometheus;
	// default "name").
	Label string `json:"label,omitempty"`
	// Step is the query resolution in seconds (default 60).
	Step int64 `json:"step,omitempty"`
	// Lookback is how far before a window's start the source looks for
	// the state at the start, in seconds (default 300).
	Lookback int64 `json:"lookback,omitempty"`
	// Missing is what the check is where its data is missing (the
	// missing-data policy): MissingUnknown ("" too, as before), MissingOK
	// or MissingKO. With OK or KO a datapoint counts at most MissingHold
	// seconds, and the time no datapoint covers — or the whole window when
	// the source has no series for the node — takes that state, so that a
	// check whose exporter died can count as down. A source error stays
	// Unknown (semantics §3).
	Missing string `json:"missing,omitempty"`
}

// The missing-data policies of a check (CheckParameters.Missing).
const (
	MissingUnknown = "unknown"
	MissingOK      = "ok"
	MissingKO      = "ko"
)

// DefaultStaleness is how long a datapoint counts at least under a
// missing-data policy: Prometheus' own staleness window, 5 minutes.
const DefaultStaleness = 300

// MissingPolicy returns the check's missing-data policy in the engine's
// terms: the state of missing time (Unknown when none), and how long a
// datapoint counts, the longest of its step, its lookback and
// DefaultStaleness, so that a check sampled every hour is not missing
// between its samples.
func (p CheckParameters) MissingPolicy() qos.Missing {
	m := qos.Missing{Hold: max(p.Step, p.Lookback, DefaultStaleness)}
	switch p.Missing {
	case MissingOK:
		m.State = qos.OK
	case MissingKO:
		m.State = qos.KO
	}
	return m
}

// Series is one series of datapoints returned by a source, sorted by time.
type Series struct {
	Labels map[string]string
	Points []qos.Point
}

// SourceResult is what a source returned for one node name: its series, or
// the error that kept them from being fetched.
type SourceResult struct {
	Name   string
	Series []Series
	Err    error
}

// Source is an open connection to one time-series database. It is safe for
// concurrent use: a computation fetches chunks of nodes at once. Package
// source/sourcetest holds every source to this contract.
type Source interface {
	// ValidateCheck checks a check's parameters when it is saved (the
	// query parses, names a known metric, …): EINVALID naming the field.
	ValidateCheck(p CheckParameters) error

	// Fetch evaluates the check's query for every name over w, plus the
	// check's lookback before w.Start, in as few queries as the database
	// allows, and calls fn once per distinct name, in any order, from the
	// calling goroutine. Every point is before w.End and at most the
	// lookback (rounded up to a step) before w.Start; a series' points are
	// sorted by time. A name's series do not depend on the other names
	// fetched with it (its error may: a query the database refuses for
	// several names fails for all of them). A name with no data gets a
	// result with no series.
	// An error that concerns only some names is given to fn for each of
	// them, and so is one that concerns every name (a check the source
	// refuses, an empty window: EINVALID); Fetch itself returns an error
	// only when it stopped early (context cancelled), after which fn may
	// not have been called for every name.
	Fetch(ctx context.Context, p CheckParameters, w Window, names []string, fn func(SourceResult)) error

	// Close releases what the source holds (idle connections, clients).
	// The source is not used after Close; whoever opened it closes it.
	Close() error
}
