package statetest

import (
	"context"
	"encoding/json"
	"io"
	"reflect"
	"testing"

	"github.com/depc-dev/depc"
)

// Run runs the whole conformance suite, every part (RunTeams,
// RunAccounts, RunRejections, RunCatalog, RunRuns, RunResults,
// RunObjectives, RunMaintenance, RunAnnotations, RunAlerts, RunAudit, RunNews, RunShared) and
// RunWhole,
// against the store that open returns. open is called once per subtest and
// must return a new, empty store; the suite closes it when the subtest
// ends.
func Run[S depc.StateStore](t *testing.T, open func(t *testing.T) S) {
	t.Run("Teams", func(t *testing.T) { RunTeams(t, open) })
	t.Run("Accounts", func(t *testing.T) { RunAccounts(t, open) })
	t.Run("Rejections", func(t *testing.T) { RunRejections(t, open) })
	t.Run("Catalog", func(t *testing.T) { RunCatalog(t, open) })
	t.Run("Variables", func(t *testing.T) { RunVariables(t, open) })
	t.Run("Runs", func(t *testing.T) { RunRuns(t, open) })
	t.Run("Results", func(t *testing.T) { RunResults(t, open) })
	t.Run("Objectives", func(t *testing.T) { RunObjectives(t, open) })
	t.Run("Maintenance", func(t *testing.T) { RunMaintenance(t, open) })
	t.Run("Annotations", func(t *testing.T) { RunAnnotations(t, open) })
	t.Run("Alerts", func(t *testing.T) { RunAlerts(t, open) })
	t.Run("Audit", func(t *testing.T) { RunAudit(t, open) })
	t.Run("News", func(t *testing.T) { RunNews(t, open) })
	t.Run("Shared", func(t *testing.T) { RunShared(t, open) })
	t.Run("Whole", func(t *testing.T) { RunWhole(t, open) })
}

// The stores each part of the suite runs against: the part, TeamStore
// (every part but the users keeps its data per team, and the tests create
// teams) and Close.
type (
	Shared interface {
		depc.TeamStore
		depc.CatalogStore
		depc.SharedSourceStore
		io.Closer
	}
	Teams interface {
		depc.TeamStore
		io.Closer
	}
	Accounts interface {
		depc.TeamStore
		depc.AccountStore
		io.Closer
	}
	Rejections interface {
		depc.TeamStore
		depc.RejectionStore
		io.Closer
	}
	Catalog interface {
		depc.TeamStore
		depc.CatalogStore
		io.Closer
	}
	Variables interface {
		depc.TeamStore
		depc.CatalogStore
		depc.VariableStore
		io.Closer
	}
	Runs interface {
		depc.TeamStore
		depc.RunStore
		io.Closer
	}
	Results interface {
		depc.TeamStore
		depc.ResultStore
		io.Closer
	}
	Maintenance interface {
		depc.TeamStore
		depc.MaintenanceStore
		io.Closer
	}
	// Objectives needs the results too: LabelSeconds reads them.
	Objectives interface {
		depc.TeamStore
		depc.ResultStore
		depc.ObjectiveStore
		io.Closer
	}
	Annotations interface {
		depc.TeamStore
		depc.AnnotationStore
		io.Closer
	}
	Alerts interface {
		depc.TeamStore
		depc.AlertStore
		io.Closer
	}
	Audit interface {
		depc.TeamStore
		depc.AuditStore
		io.Closer
	}
	News interface {
		depc.NewsStore
		io.Closer
	}
)

// subtest is one test of a part, run on a new store.
type subtest[S io.Closer] struct {
	name string
	fn   func(t *testing.T, s S)
	// closes is set when fn closes the store itself.
	closes bool
}

// run runs each test on a new store from open, closed when the test ends.
func run[S io.Closer](t *testing.T, open func(t *testing.T) S, tests []subtest[S]) {
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := open(t)
			if !tt.closes {
				t.Cleanup(func() { s.Close() })
			}
			tt.fn(t, s)
		})
	}
}

// unknownTeam checks that every call, each made with the unknown team
// "nope", answered ENOTFOUND. The team is checked before anything else:
// the invalid arguments of the calls do not matter.
func unknownTeam(t *testing.T, calls map[string]error) {
	t.Helper()
	for name, err := range calls {
		wantCode(t, err, depc.ENOTFOUND, name+"(unknown team)")
	}
}

// ---- helpers

var ctx = context.Background()

func f64(x float64) *float64 { return &x }
func i64(x int64) *int64     { return &x }

// wantCode fails unless err carries the depc code want ("" for nil).
func wantCode(t *testing.T, err error, want string, what string) {
	t.Helper()
	if got := depc.ErrorCode(err); got != want {
		t.Errorf("%s: error code %q (%v), want %q", what, got, err, want)
	}
}

// result holds what a method returned, so that one call can be checked
// in an expression: get(s.Team(ctx, "acme")).must(t).
type result[T any] struct {
	v   T
	err error
}

func get[T any](v T, err error) result[T] { return result[T]{v, err} }

func (r result[T]) must(t *testing.T) T {
	t.Helper()
	if r.err != nil {
		t.Fatal(r.err)
	}
	return r.v
}

type result2[A, B any] struct {
	a   A
	b   B
	err error
}

func get2[A, B any](a A, b B, err error) result2[A, B] { return result2[A, B]{a, b, err} }

func (r result2[A, B]) must(t *testing.T) (A, B) {
	t.Helper()
	if r.err != nil {
		t.Fatal(r.err)
	}
	return r.a, r.b
}

func mustDo(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func equal(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		gj, _ := json.Marshal(got)
		wj, _ := json.Marshal(want)
		t.Errorf("%s:\n got  %s\n want %s", what, gj, wj)
	}
}

func second[T any](_ T, err error) error { return err }

func createTeam(t *testing.T, s depc.TeamStore, name string) {
	t.Helper()
	get(s.CreateTeam(ctx, depc.Team{Name: name})).must(t)
}

// catalog creates a source "prom", checks "Ping" and "Http" and rules
// "Servers" (Ping) and "Web" (Http, Ping).
func catalog(t *testing.T, s depc.CatalogStore, team string) {
	t.Helper()
	get(s.CreateSource(ctx, team, depc.SourceConfig{Name: "prom", Plugin: depc.PluginPrometheus, Configuration: json.RawMessage(`{"url":"http://127.0.0.1:9090"}`)})).must(t)
	get(s.CreateCheck(ctx, team, check("Ping", "prom"))).must(t)
	get(s.CreateCheck(ctx, team, check("Http", "prom"))).must(t)
	get(s.CreateRule(ctx, team, depc.Rule{Name: "Servers", Checks: []string{"Ping"}})).must(t)
	get(s.CreateRule(ctx, team, depc.Rule{Name: "Web", Checks: []string{"Http", "Ping"}})).must(t)
}

func check(name, source string) depc.Check {
	return depc.Check{Name: name, Source: source, Type: depc.CheckThreshold,
		Parameters: depc.CheckParameters{Query: "probe_rtt_ms", Threshold: "20"}}
}
