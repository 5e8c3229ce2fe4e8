package statecopy_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/state/postgres"
	"github.com/depc-dev/depc/state/postgres/pgtest"
	"github.com/depc-dev/depc/state/sqlite"
	"github.com/depc-dev/depc/state/statecopy"
	"github.com/jackc/pgx/v5"
)

var ctx = context.Background()

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func f64(x float64) *float64 { return &x }
func i64(x int64) *int64     { return &x }

// fill writes something in every table of the store, and returns a token
// of the user it creates.
func fill(t *testing.T, s depc.StateStore) string {
	t.Helper()
	must(t, s.SetAdminTokenHash(ctx, "sha256$00"))
	_, token, err := s.CreateUser(ctx, "alice", false)
	must(t, err)
	_, _, err = s.CreateToken(ctx, "alice", "ci", time.Now().Add(time.Hour).Unix())
	must(t, err)
	for _, team := range []string{"acme", "beta"} {
		_, err := s.CreateTeam(ctx, depc.Team{Name: team, Timezone: "Europe/Paris"})
		must(t, err)
		must(t, s.SetTeamLimits(ctx, team, depc.Limits{Nodes: 1000}))
		_, err = s.SetGrant(ctx, team, "alice", depc.RoleEditor)
		must(t, err)
		_, err = s.CreateSource(ctx, team, depc.SourceConfig{Name: "prom", Plugin: depc.PluginPrometheus, Configuration: json.RawMessage(`{"url":"http://127.0.0.1:9090"}`)})
		must(t, err)
		_, err = s.CreateCheck(ctx, team, depc.Check{Name: "Ping", Source: "prom", Type: depc.CheckThreshold,
			Parameters: depc.CheckParameters{Query: "probe_rtt_ms", Threshold: "20"}})
		must(t, err)
		_, err = s.CreateRule(ctx, team, depc.Rule{Name: "Servers", Checks: []string{"Ping"}})
		must(t, err)
		_, err = s.SetVariables(ctx, team, depc.VariableSet{Scope: "check", Owner: "Ping", Variables: map[string]string{"job": "probe"}})
		must(t, err)
		_, err = s.SaveConfig(ctx, team, json.RawMessage(`{"Server":{"qos":"rule.Servers"},"Site":{"qos":"operation.AND[Server]"}}`), []string{"Servers"})
		must(t, err)
		must(t, s.AddRejections(ctx, team, []depc.Rejection{{At: 1, Source: "http", Error: "name: invalid", Message: "{\"bad\": \"\xff\"}"}}))
		for _, day := range []string{"2026-01-01", "2026-01-02"} {
			must(t, s.ReplaceDayResults(ctx, team, day, slices.Values([]depc.NodeDayResult{
				{Label: "Server", Name: "s1", QoS: f64(50), OK: i64(43200), KO: i64(43200), Unknown: i64(0), Downtime: []depc.Period{{From: 10, To: 20}, {From: 30, To: 43220}}},
				{Label: "Server", Name: "s2"},
				{Label: "Site", Name: "www", QoS: f64(100), OK: i64(86400), KO: i64(0), Unknown: i64(0),
					Children: []depc.NodeKey{{Label: "Server", Name: "s1"}, {Label: "Server", Name: "s2"}}},
			}), []depc.LabelDayResult{{Label: "Server", QoS: f64(50), Nodes: 2}, {Label: "Site", QoS: f64(100), Nodes: 1}},
				map[string][]depc.WorstNode{"Server": {{Name: "s1", QoS: 50}}, "Site": {{Name: "www", QoS: 100}}}))
		}
		r, err := s.CreateRun(ctx, team, []string{"2026-01-01", "2026-01-02"})
		must(t, err)
		l, err := s.ClaimDay(ctx, depc.ClaimRequest{Owner: "w", Now: time.Now(), TTL: time.Minute, Team: team, Run: r.ID})
		must(t, err)
		_, err = s.FinishDay(ctx, l, time.Now(), depc.DayOutcome{Nodes: 3, Errors: []depc.RunError{{Label: "Server", Name: "s2", Error: "no data"}}})
		must(t, err)
		_, err = s.SetObjective(ctx, team, depc.Objective{Label: "Server", Target: 99, Window: "rolling_7d"})
		must(t, err)
		// An id never reused: the second window is deleted.
		_, err = s.CreateMaintenance(ctx, team, depc.Maintenance{From: 1, To: 2, Reason: "r"})
		must(t, err)
		m, err := s.CreateMaintenance(ctx, team, depc.Maintenance{From: 3, To: 4, Reason: "gone"})
		must(t, err)
		must(t, s.DeleteMaintenance(ctx, team, m.ID))
		_, err = s.CreateAnnotation(ctx, team, depc.Annotation{Label: "Server", Name: "s1", From: 1, To: 2, Text: "note", Author: "alice"})
		must(t, err)
		am := depc.AlertReceiver{Name: "am", Type: depc.ReceiverAlertmanager, URL: "http://127.0.0.1:9093"}
		_, err = s.SetAlertReceiver(ctx, team, am)
		must(t, err)
		_, err = s.ChangeAlert(ctx, team, depc.Alert{ID: "x", Seq: 1, Firing: true, StartsAt: 1000,
			Labels: map[string]string{"alertname": "DayUnderTarget"}, Annotations: map[string]string{"summary": "under"}}, []string{am.Name})
		must(t, err)
		_, err = s.AddAudit(ctx, depc.AuditEntry{Team: team, User: "alice", Action: "PUT /teams/{team}/config", Target: "/teams/" + team + "/config",
			Status: 200, Before: json.RawMessage(`{"id": 1}`), After: json.RawMessage(`{"id": 2}`)})
		must(t, err)
	}
	_, err = s.AddAudit(ctx, depc.AuditEntry{User: "admin", Action: "POST /teams", Target: "/teams", Status: 201})
	must(t, err)
	_, err = s.CreateNews(ctx, depc.News{Title: "Upgrade", Text: "Saturday 10:00", Author: "admin"})
	must(t, err)
	_, err = s.CreateSharedSource(ctx, depc.SharedSource{
		SourceConfig: depc.SourceConfig{Name: "shared-prom", Plugin: depc.PluginPrometheus, Configuration: json.RawMessage(`{"url":"http://prom:9090"}`)},
		Description:  "Shared", Enforce: []depc.LabelMatcher{{Label: "team", Value: depc.TeamPlaceholder}},
	})
	must(t, err)
	must(t, s.AcquireLease(ctx, "scheduler/job/nightly", "w", time.Now(), time.Hour))
	return token
}

// view is what the stores answer about everything fill wrote, as JSON.
func view(t *testing.T, s depc.StateStore) string {
	t.Helper()
	out := map[string]any{}
	put := func(name string, v any, err error) {
		t.Helper()
		must(t, err)
		out[name] = v
	}
	admin, err := s.AdminTokenHash(ctx)
	put("admin", admin, err)
	users, err := s.Users(ctx)
	put("users", users, err)
	tokens, err := s.Tokens(ctx, "alice")
	put("tokens", tokens, err)
	teams, err := s.Teams(ctx)
	put("teams", teams, err)
	audit, err := s.Audit(ctx, depc.AuditFilter{})
	put("audit", audit, err)
	news, err := s.ListNews(ctx, 0)
	put("news", news, err)
	shared, err := s.SharedSources(ctx)
	put("shared", shared, err)
	for _, tm := range teams {
		n := tm.Name + "/"
		v1, err := s.TeamLimits(ctx, tm.Name)
		put(n+"limits", v1, err)
		v2, err := s.Grants(ctx, tm.Name)
		put(n+"grants", v2, err)
		v3, err := s.Rejections(ctx, tm.Name, 0)
		put(n+"rejections", v3, err)
		v4, err := s.Sources(ctx, tm.Name)
		put(n+"sources", v4, err)
		v5, err := s.Checks(ctx, tm.Name)
		put(n+"checks", v5, err)
		v6, err := s.Rules(ctx, tm.Name)
		put(n+"rules", v6, err)
		v7, err := s.Configs(ctx, tm.Name)
		put(n+"configs", v7, err)
		v8, err := s.Runs(ctx, tm.Name, 0)
		put(n+"runs", v8, err)
		v9, err := s.TeamQoS(ctx, tm.Name, "2026-01-01", "2026-01-02")
		put(n+"teamqos", v9, err)
		v10, err := s.DayResults(ctx, tm.Name, "2026-01-02", []depc.NodeKey{{Label: "Server", Name: "s1"}, {Label: "Server", Name: "s2"}, {Label: "Site", Name: "www"}})
		put(n+"day", v10, err)
		v11, err := s.Worst(ctx, tm.Name, "Server", "2026-01-01", 10)
		put(n+"worst", v11, err)
		v12, err := s.Objectives(ctx, tm.Name)
		put(n+"objectives", v12, err)
		v13, err := s.Maintenances(ctx, tm.Name, 0, 100)
		put(n+"maintenance", v13, err)
		v14, err := s.Annotations(ctx, tm.Name, depc.AnnotationFilter{})
		put(n+"annotations", v14, err)
		v15, err := s.AlertReceivers(ctx, tm.Name)
		put(n+"receivers", v15, err)
		v16, err := s.Alerts(ctx, tm.Name)
		put(n+"alerts", v16, err)
		v17, err := s.AlertDeliveries(ctx, tm.Name, 0)
		put(n+"deliveries", v17, err)
	}
	b, err := json.MarshalIndent(out, "", " ")
	must(t, err)
	return string(b)
}

func openSQLite(t *testing.T, path string) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(path)
	must(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

func openPostgres(t *testing.T, url string) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(ctx, url)
	must(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

func copyStores(t *testing.T, from, to string, o statecopy.Options) ([]statecopy.TableReport, error) {
	t.Helper()
	src, err := statecopy.Open(ctx, from, false)
	must(t, err)
	defer src.Close()
	dst, err := statecopy.Open(ctx, to, true)
	must(t, err)
	defer dst.Close()
	return statecopy.Copy(ctx, src, dst, o)
}

// SQLite to PostgreSQL and back: every table is copied, every row of it,
// and the stores answer the same; a non-empty target is refused unless
// forced.
func TestCopyBothWays(t *testing.T) {
	dir := t.TempDir()
	srcPath := filepath.Join(dir, "src", "state.db")
	must(t, mkdir(filepath.Dir(srcPath)))
	src := openSQLite(t, srcPath)
	token := fill(t, src)
	want := view(t, src)
	must(t, src.Close())

	url := pgtest.Schema(t)
	reports, err := copyStores(t, filepath.Dir(srcPath), url, statecopy.Options{})
	must(t, err)
	for _, r := range reports {
		if r.Rows == 0 {
			t.Errorf("table %s: nothing copied (fill writes nothing there?)", r.Table)
		}
	}
	pg := openPostgres(t, url)
	if got := view(t, pg); got != want {
		t.Errorf("PostgreSQL after the copy answers\n%s\nwant\n%s", got, want)
	}
	if u, err := pg.UserByToken(ctx, depc.HashToken(token)); err != nil || u.Name != "alice" {
		t.Errorf("alice's token on the copy: %+v %v", u, err)
	}
	// Ids go on after the copied ones, never reusing a deleted one.
	m, err := pg.CreateMaintenance(ctx, "acme", depc.Maintenance{From: 5, To: 6, Reason: "new"})
	must(t, err)
	if m.ID <= 4 {
		t.Errorf("new maintenance id %d on the copy, want > 4 (ids 1 to 4 were given)", m.ID)
	}
	if _, err := pg.CreateTeam(ctx, depc.Team{Name: "gamma"}); err != nil {
		t.Errorf("a new team on the copy: %v", err)
	}
	must(t, pg.DeleteTeam(ctx, "gamma"))
	must(t, pg.DeleteMaintenance(ctx, "acme", m.ID))

	// A non-empty target is refused, unless forced.
	_, err = copyStores(t, srcPath, url, statecopy.Options{})
	if depc.ErrorCode(err) != depc.ECONFLICT || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("copy onto a non-empty target: %v, want ECONFLICT", err)
	}
	again, err := copyStores(t, srcPath, url, statecopy.Options{Force: true})
	must(t, err)
	if !slices.Equal(again, reports) {
		t.Errorf("forced copy %v, want %v", again, reports)
	}

	// And back, into a new SQLite file.
	backPath := filepath.Join(dir, "back", "state.db")
	must(t, mkdir(filepath.Dir(backPath)))
	back, err := copyStores(t, url, backPath, statecopy.Options{})
	must(t, err)
	if !slices.Equal(back, reports) {
		t.Errorf("copy back %v, want %v", back, reports)
	}
	// Checksums of the result tables, read from either store, are the
	// copy's.
	for _, where := range []string{url, backPath} {
		s, err := statecopy.Open(ctx, where, false)
		must(t, err)
		sums, err := statecopy.Checksums(ctx, s, statecopy.ResultTables...)
		must(t, s.Close())
		must(t, err)
		for _, sum := range sums {
			i := slices.IndexFunc(reports, func(r statecopy.TableReport) bool { return r.Table == sum.Table })
			if i < 0 || sum != reports[i] || sum.Rows == 0 {
				t.Errorf("%s: checksum %+v, the copy's %+v", s, sum, reports)
			}
		}
	}
	s, err := statecopy.Open(ctx, backPath, false)
	must(t, err)
	if _, err := statecopy.Checksums(ctx, s, "nowhere"); depc.ErrorCode(err) != depc.EINVALID {
		t.Errorf("checksum of an unknown table: %v, want EINVALID", err)
	}
	must(t, s.Close())
	sq := openSQLite(t, backPath)
	if got := view(t, sq); got != want {
		t.Errorf("SQLite after the copy back answers\n%s\nwant\n%s", got, want)
	}
	m, err = sq.CreateMaintenance(ctx, "acme", depc.Maintenance{From: 5, To: 6, Reason: "new"})
	must(t, err)
	if m.ID <= 4 {
		t.Errorf("new maintenance id %d on the copy back, want > 4", m.ID)
	}
}

// A table the copy does not know is refused, rather than left behind.
func TestUnknownTable(t *testing.T) {
	src := filepath.Join(t.TempDir(), "state.db")
	s := openSQLite(t, src)
	fill(t, s)
	must(t, s.Close())
	url := pgtest.Schema(t)
	openPostgres(t, url).Close()
	c, err := pgx.Connect(ctx, url)
	must(t, err)
	_, err = c.Exec(ctx, `CREATE TABLE surprise (id bigint)`)
	must(t, err)
	c.Close(ctx)
	_, err = copyStores(t, src, url, statecopy.Options{})
	if depc.ErrorCode(err) != depc.EINVALID || !strings.Contains(err.Error(), "surprise") {
		t.Errorf("copy to a store with an unknown table: %v, want EINVALID naming it", err)
	}
	if _, err := statecopy.Open(ctx, filepath.Join(t.TempDir(), "missing.db"), false); depc.ErrorCode(err) != depc.ENOTFOUND {
		t.Errorf("a missing source file: %v, want ENOTFOUND", err)
	}
}

func mkdir(p string) error { return os.MkdirAll(p, 0o755) }
