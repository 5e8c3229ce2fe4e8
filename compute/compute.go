package compute

import (
	"bytes"
	"context"
	"encoding/json"
	"runtime"
	"sync"
	"time"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/qos"
)

// Opener opens a source from its stored configuration; the caller closes
// it. cmd/depc gives depc.SourcePlugins.Open of the list of source/plugins;
// compute knows no plugin.
type Opener func(ctx context.Context, sc depc.SourceConfig) (depc.Source, error)

// Defaults of a Computer.
const (
	// DefaultWorstNodes is how many worst nodes per label and day a run
	// stores: the store's own bound, so that the API's `limit` can ask for
	// any number up to it. Selecting them costs a bounded heap per label.
	DefaultWorstNodes = depc.MaxWorstNodes
	// DefaultMaxErrors bounds the errors one day's computation lists; the
	// rest are counted in one summary entry per label. A source that is
	// down for a label of a million nodes gives a readable run, not a
	// million lines.
	DefaultMaxErrors = 1000
	// DefaultMaxErrorsPerLabel bounds the errors listed for one label.
	DefaultMaxErrorsPerLabel = 20
	// minChunk is the fewest nodes worth a goroutine of their own.
	minChunk = 2048
)

// State is what a Computer needs of the state store: the team (its time
// zone), the catalog (config, rules, checks, sources), the maintenance
// windows it leaves out, and the results it writes and reads back (root
// causes).
type State interface {
	depc.TeamStore
	depc.CatalogStore
	depc.VariableStore
	depc.MaintenanceStore
	depc.ResultStore
}

// Computer computes QoS: a team's day (Day), one rule on one name
// (ExecuteRule), the root cause of a node's downtime (RootCause) and a
// node's QoS of today so far (LiveQoS). It is safe for concurrent use; each
// call works on its own data.
type Computer struct {
	graph depc.GraphStore
	state State
	open  Opener

	// Parallelism is how many goroutines a computation uses for the
	// sources and the engine (default GOMAXPROCS). Results do not depend
	// on it.
	Parallelism int
	// WorstNodes is how many worst nodes per label a run stores (default
	// DefaultWorstNodes, at most depc.MaxWorstNodes).
	WorstNodes int
	// MaxErrors and MaxErrorsPerLabel bound the errors listed per day
	// (defaults DefaultMaxErrors and DefaultMaxErrorsPerLabel).
	MaxErrors, MaxErrorsPerLabel int
	// Now is the clock of LiveQoS, and says which days are over for a
	// Sequence to compute them ahead (default time.Now).
	Now func() time.Time
	// NoAhead keeps a Sequence from computing the next day while it
	// writes one: a backfill then holds one day at a time (about half the
	// memory) and takes longer. Results do not depend on it.
	NoAhead bool

	mu      sync.Mutex
	sources map[sourceKey]*openSource
}

// New returns a Computer reading the graph from g and everything else from
// s, opening sources with open.
func New(g depc.GraphStore, s State, open Opener) *Computer {
	return &Computer{graph: g, state: s, open: open, sources: map[sourceKey]*openSource{}}
}

func (c *Computer) parallelism() int {
	if c.Parallelism > 0 {
		return c.Parallelism
	}
	return runtime.GOMAXPROCS(0)
}

func (c *Computer) worstNodes() int {
	if c.WorstNodes > 0 {
		return min(c.WorstNodes, depc.MaxWorstNodes)
	}
	return DefaultWorstNodes
}

func (c *Computer) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Computer) newErrors() *errorList {
	return newErrorList(cmpOr(c.MaxErrors, DefaultMaxErrors), cmpOr(c.MaxErrorsPerLabel, DefaultMaxErrorsPerLabel))
}

func cmpOr(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}

// sourceKey identifies an opened source: a new configuration opens a new
// one, so editing a source takes effect at the next computation.
type sourceKey struct {
	team, name, plugin, configuration string
	// enforce are the labels a shared source enforces, so that a change of
	// the catalog or of a grant opens a new source too.
	enforce string
}

// openSource is a source the Computer opened and the computations using it.
// A source is closed once it is retired (its configuration changed, or
// Close) and no computation uses it any more: a computation never sees its
// source closed under it.
type openSource struct {
	src     depc.Source
	users   int
	retired bool
}

// source returns the opened source for a stored configuration, opening it
// the first time, and the function that releases it when the computation
// is done with it. Sources are kept between computations: a Prometheus
// source holds an HTTP transport whose connections are worth reusing from
// one live query to the next.
func (c *Computer) source(ctx context.Context, team string, sc depc.SourceConfig) (depc.Source, func(), error) {
	if c.open == nil {
		return nil, nil, depc.Errorf(depc.EINTERNAL, "no source opener configured")
	}
	sc, err := c.resolve(ctx, team, sc)
	if err != nil {
		return nil, nil, err
	}
	return c.openResolved(ctx, team, sc)
}

// resolve returns the configuration a stored source is opened with: its
// own, or for a grant of the admin's shared catalog the catalog's entry as
// it is now — resolved at every use, so that a changed entry or a revoked
// grant holds at once.
func (c *Computer) resolve(ctx context.Context, team string, sc depc.SourceConfig) (depc.SourceConfig, error) {
	if sc.Plugin != depc.PluginShared {
		return sc, nil
	}
	shared, ok := c.state.(depc.SharedSourceStore)
	if !ok {
		return depc.SourceConfig{}, depc.Errorf(depc.EINTERNAL, "source %q is a shared source and this state store has no catalog", sc.Name)
	}
	return depc.ResolveShared(ctx, shared, team, sc)
}

// openResolved is source for a configuration resolve returned; c.open is
// set.
func (c *Computer) openResolved(ctx context.Context, team string, sc depc.SourceConfig) (depc.Source, func(), error) {
	enforce, _ := json.Marshal(sc.Enforce)
	key := sourceKey{team, sc.Name, sc.Plugin, string(bytes.TrimSpace(sc.Configuration)), string(enforce)}
	c.mu.Lock()
	defer c.mu.Unlock()
	o, ok := c.sources[key]
	if !ok {
		s, err := c.open(ctx, sc)
		if err != nil {
			return nil, nil, err
		}
		// Retire the older configurations of the same source.
		for k, old := range c.sources {
			if k.team == team && k.name == sc.Name {
				c.retire(k, old)
			}
		}
		o = &openSource{src: s}
		c.sources[key] = o
	}
	o.users++
	var once sync.Once
	release := func() {
		once.Do(func() {
			c.mu.Lock()
			defer c.mu.Unlock()
			o.users--
			if o.retired && o.users == 0 {
				o.src.Close()
			}
		})
	}
	return o.src, release, nil
}

// retire forgets an opened source and closes it unless a computation still
// uses it (the last one closes it). c.mu is held.
func (c *Computer) retire(k sourceKey, o *openSource) {
	delete(c.sources, k)
	o.retired = true
	if o.users == 0 {
		o.src.Close()
	}
}

// Close releases the sources the Computer opened; those a computation
// still uses are closed when it ends. The Computer stays usable: it opens
// them again when needed.
func (c *Computer) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, o := range c.sources {
		c.retire(k, o)
	}
	return nil
}

// DayWindow returns the window of a day ("YYYY-MM-DD") in a time zone
// (an IANA name, "" for UTC): [local midnight, next local midnight), 86 400
// s long, or 82 800 / 90 000 s on the days clocks change.
func DayWindow(day, timezone string) (depc.Window, error) {
	loc, err := location(timezone)
	if err != nil {
		return depc.Window{}, err
	}
	t, err := depc.ParseDay("day", day)
	if err != nil {
		return depc.Window{}, err
	}
	y, m, d := t.Date()
	start := time.Date(y, m, d, 0, 0, 0, 0, loc)
	end := time.Date(y, m, d+1, 0, 0, 0, 0, loc)
	return depc.Window{Start: start.Unix(), End: end.Unix()}, nil
}

// Today returns the day ("YYYY-MM-DD") that contains the instant now in a
// time zone, and its window.
func Today(now time.Time, timezone string) (string, depc.Window, error) {
	loc, err := location(timezone)
	if err != nil {
		return "", depc.Window{}, err
	}
	day := depc.FormatDay(now.In(loc))
	w, err := DayWindow(day, timezone)
	return day, w, err
}

func location(tz string) (*time.Location, error) {
	if tz == "" {
		return time.UTC, nil
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return nil, depc.Errorf(depc.EINVALID, "timezone: %q is not a known time zone", tz)
	}
	return loc, nil
}

// setup is what a computation needs of the state store besides the graph:
// the team, its current config decoded and validated, its rules, checks
// and sources.
type setup struct {
	team     depc.Team
	configID int64
	config   qos.Config
	rules    map[string]depc.Rule
	checks   map[string]depc.Check
	sources  map[string]depc.SourceConfig
	// vars are the team's variables, rendered into each check's query
	// before every fetch (render).
	vars depc.TeamVariables
}

// render returns the check with its query's variables rendered for rule
// over w: depc.start and depc.end are the window fetched.
func (s *setup) render(ch depc.Check, rule string, w depc.Window) (depc.Check, error) {
	return s.vars.RenderQuery(ch, rule, w.Start, w.End, false)
}

// loadSetup reads the team's setup. A team without a config, or whose
// config no longer validates, cannot be computed: EINVALID (ENOTFOUND for
// no config), naming the label.
func (c *Computer) loadSetup(ctx context.Context, team string) (*setup, error) {
	t, err := c.state.Team(ctx, team)
	if err != nil {
		return nil, err
	}
	cv, err := c.state.Config(ctx, team)
	if err != nil {
		if depc.ErrorCode(err) == depc.ENOTFOUND {
			return nil, depc.WrapError(depc.ENOTFOUND, err, "team %q has no config", team)
		}
		return nil, err
	}
	cfg, err := qos.DecodeConfig(cv.Config)
	if err != nil {
		return nil, depc.WrapError(depc.EINVALID, err, "config %d: %v", cv.ID, err)
	}
	rules, err := c.state.Rules(ctx, team)
	if err != nil {
		return nil, err
	}
	checks, err := c.state.Checks(ctx, team)
	if err != nil {
		return nil, err
	}
	sources, err := c.state.Sources(ctx, team)
	if err != nil {
		return nil, err
	}
	vars, err := c.state.Variables(ctx, team)
	if err != nil {
		return nil, err
	}
	s := &setup{vars: depc.CollectVariables(vars), team: t, configID: cv.ID, config: cfg,
		rules:   make(map[string]depc.Rule, len(rules)),
		checks:  make(map[string]depc.Check, len(checks)),
		sources: make(map[string]depc.SourceConfig, len(sources)),
	}
	for _, r := range rules {
		s.rules[r.Name] = r
	}
	for _, ch := range checks {
		s.checks[ch.Name] = ch
	}
	for _, sc := range sources {
		s.sources[sc.Name] = sc
	}
	if err := cfg.Validate(func(name string) bool { _, ok := s.rules[name]; return ok }); err != nil {
		return nil, depc.WrapError(depc.EINVALID, err, "config %d: %v", cv.ID, err)
	}
	return s, nil
}

// DayRange returns the days from `from` to `to`, inclusive ("YYYY-MM-DD"),
// for reads over a range and for backfills: EINVALID naming the field
// (fromField, toField) when one is not a date, when to is before from, or
// when the range holds more than max days.
func DayRange(fromField, from, toField, to string, max int) ([]string, error) {
	f, err := depc.ParseDay(fromField, from)
	if err != nil {
		return nil, err
	}
	t, err := depc.ParseDay(toField, to)
	if err != nil {
		return nil, err
	}
	if t.Before(f) {
		return nil, depc.Errorf(depc.EINVALID, "%s: %s is before %s %s", toField, to, fromField, from)
	}
	var days []string
	for d := f; !d.After(t); d = d.AddDate(0, 0, 1) {
		if len(days) == max {
			return nil, depc.Errorf(depc.EINVALID, "%s..%s: at most %d days at once", fromField, toField, max)
		}
		days = append(days, depc.FormatDay(d))
	}
	return days, nil
}
