package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/message"
	"github.com/depc-dev/depc/qos"
	"github.com/depc-dev/depc/state/postgres"
	"github.com/depc-dev/depc/state/postgres/pgtest"
	"github.com/depc-dev/depc/workload"
)

func runDepc(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, &out, &errOut)
	return out.String() + errOut.String(), err
}

// gen --out writes messages that the ingestion decoder reads back as the
// workload's events, and a config that validates against its rules.
func TestGenOut(t *testing.T) {
	dir := t.TempDir()
	out, err := runDepc(t, "gen", "--size", "tiny", "--out", dir)
	if err != nil {
		t.Fatalf("gen: %v\n%s", err, out)
	}
	body, err := os.ReadFile(filepath.Join(dir, "messages.ndjson"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := message.DecodeBody(body, "application/x-ndjson", 1)
	if err != nil || len(got.Rejected) != 0 {
		t.Fatalf("decode: %v, rejected %+v", err, got.Rejected)
	}
	size, _ := workload.Lookup("tiny")
	var want []depc.Event
	if err := size.Generate(100, func(es []depc.Event) error { want = append(want, es...); return nil }); err != nil {
		t.Fatal(err)
	}
	// The decoder also declares every node a message names (EventExists),
	// which the workload leaves implicit.
	var facts []depc.Event
	for _, e := range got.Events {
		if e.Kind != depc.EventExists {
			facts = append(facts, e)
		}
	}
	if !slices.Equal(facts, want) {
		t.Errorf("the messages decode to %d events that differ from the workload's %d", len(facts), len(want))
	}

	var rules []depc.Rule
	var checks []depc.Check
	var team depc.Team
	for name, v := range map[string]any{"rules.json": &rules, "checks.json": &checks, "team.json": &team} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(data, v); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	data, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := qos.DecodeConfig(data)
	if err != nil {
		t.Fatal(err)
	}
	err = cfg.Validate(func(name string) bool {
		return slices.ContainsFunc(rules, func(r depc.Rule) bool { return r.Name == name })
	})
	if err != nil || team.Name != "bench" || len(checks) != 2*len(rules) || len(rules) != 2 {
		t.Errorf("config %v, team %+v, %d checks, %d rules", err, team, len(checks), len(rules))
	}
}

// gen --load, then run and bench compute on the loaded data directory.
func TestGenLoadRunBench(t *testing.T) {
	data := t.TempDir()
	t.Setenv("DEPC_CONFIG", "")
	out, err := runDepc(t, "gen", "--size", "tiny", "--load", "--data", data, "--team", "tiny")
	if err != nil || !strings.Contains(out, "team tiny set up") {
		t.Fatalf("gen --load: %v\n%s", err, out)
	}
	// Loading twice is harmless.
	if out, err := runDepc(t, "gen", "--size", "tiny", "--load", "--data", data, "--team", "tiny"); err != nil {
		t.Fatalf("gen --load again: %v\n%s", err, out)
	}
	out, err = runDepc(t, "run", "--data", data, "--team", "tiny", "--from", "2025-01-06", "--to", "2025-01-08")
	if err != nil || !strings.Contains(out, "run 1 of team tiny: succeeded") || strings.Count(out, "nodes  ") != 3 {
		t.Fatalf("run: %v\n%s", err, out)
	}
	out, err = runDepc(t, "bench", "compute", "--size", "tiny", "--team", "tiny", "--data", data, "--days", "2")
	if err != nil || !strings.Contains(out, "team tiny found") || !strings.Contains(out, "total: 2 day(s)") {
		t.Fatalf("bench: %v\n%s", err, out)
	}
	out, err = runDepc(t, "bench", "compute", "--size", "tiny", "--team", "tiny", "--data", data, "--skip", "2")
	if err != nil || !strings.Contains(out, "\n2025-01-08 ") || strings.Contains(out, "\n2025-01-06 ") {
		t.Fatalf("bench --skip 2: %v\n%s", err, out)
	}
	if _, err := runDepc(t, "bench", "compute", "--size", "tiny", "--team", "tiny", "--data", data, "--skip", "-1"); err == nil || !strings.Contains(err.Error(), "--skip") {
		t.Errorf("bench --skip -1: %v, want refused", err)
	}
	// Budgets of every Customer over the two days computed.
	out, err = runDepc(t, "bench", "budgets", "--size", "tiny", "--team", "tiny", "--data", data, "--days", "2", "--rounds", "1")
	if err != nil || !regexp.MustCompile(`first read \(the days' blobs not built yet are built\): [1-9]\d* budgets`).MatchString(out) ||
		!regexp.MustCompile(`after the nightly run \(its day's blob built again\): [1-9]\d* budgets`).MatchString(out) || !strings.Contains(out, "target (budgets and burn rates for all <= 2 s after a nightly run): ") {
		t.Fatalf("bench budgets: %v\n%s", err, out)
	}
	if _, err := runDepc(t, "bench", "budgets", "--size", "tiny", "--team", "tiny", "--data", data, "--days", "5"); err == nil || !strings.Contains(err.Error(), "of the 5 days") {
		t.Errorf("bench budgets over days not computed: %v", err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "--data", data, "--day", "2025-01-06"}, "--team is required"},
		{[]string{"run", "--data", data, "--team", "tiny", "--day", "2025-01-06", "--from", "2025-01-06"}, "not both"},
		{[]string{"run", "--data", data, "--team", "tiny"}, "is required"},
		{[]string{"run", "--data", data, "--team", "nobody", "--day", "2025-01-06"}, "team nobody"},
		{[]string{"run", "--data", data, "--team", "tiny", "--day", "2025-13-01"}, "not a date"},
		{[]string{"gen", "--size", "huge", "--out", data}, "unknown workload"},
		{[]string{"gen", "--size", "tiny"}, "--out DIR, --load"},
		{[]string{"bench", "memory"}, `unknown subcommand "memory"`},
	} {
		out, err := runDepc(t, tc.args...)
		if err == nil || !strings.Contains(err.Error()+out, tc.want) {
			t.Errorf("%v: %v\n%s, want an error with %q", tc.args, err, out, tc.want)
		}
	}
}

// With state.backend postgres (from the environment), the commands keep
// teams, runs and results in PostgreSQL and write no state file.
func TestStatePostgres(t *testing.T) {
	url := pgtest.Schema(t)
	data := t.TempDir()
	t.Setenv("DEPC_CONFIG", "")
	t.Setenv("DEPC_STATE_BACKEND", "postgres")
	t.Setenv("DEPC_STATE_POSTGRES_URL", url)
	if out, err := runDepc(t, "gen", "--size", "tiny", "--load", "--data", data, "--team", "tiny"); err != nil {
		t.Fatalf("gen --load: %v\n%s", err, out)
	}
	out, err := runDepc(t, "run", "--data", data, "--team", "tiny", "--day", "2025-01-06")
	if err != nil || !strings.Contains(out, "run 1 of team tiny: succeeded") {
		t.Fatalf("run: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(data, stateFile)); !os.IsNotExist(err) {
		t.Errorf("a state file was written beside PostgreSQL: %v", err)
	}
	s, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	r, err := s.Run(context.Background(), "tiny", 1)
	if err != nil || r.Status != depc.RunSucceeded || r.Nodes == 0 {
		t.Errorf("run in PostgreSQL: %+v, %v", r, err)
	}
	t.Setenv("DEPC_STATE_POSTGRES_URL", "postgres://depc@127.0.0.1:1/depc?connect_timeout=2")
	if out, err := runDepc(t, "run", "--data", data, "--team", "tiny", "--day", "2025-01-06"); err == nil || !strings.Contains(err.Error()+out, "state store") {
		t.Errorf("run with an unreachable PostgreSQL: %v\n%s, want a state store error", err, out)
	}
}

// The results of a workload's days are those of the reference checksums,
// made by the computation before its optimisations (issue 16): a change
// that alters one result fails here. `make bench-checksums` compares
// bench-100k's 3 days the same way.
func TestBenchChecksums(t *testing.T) {
	t.Setenv("DEPC_CONFIG", "")
	data := t.TempDir()
	sums := filepath.Join(t.TempDir(), "sums")
	out, err := runDepc(t, "bench", "compute", "--size", "tiny", "--data", data, "--days", "3",
		"--checksums", sums, "--expect", filepath.Join("testdata", "bench-tiny-3days.checksums"))
	if err != nil || !strings.Contains(out, "checksums: identical to") {
		t.Fatalf("bench compute --expect: %v\n%s", err, out)
	}
	got, err := os.ReadFile(sums)
	if err != nil || !strings.HasPrefix(string(got), "node_result 56 ") {
		t.Fatalf("--checksums wrote %q, %v", got, err)
	}
	other := filepath.Join(t.TempDir(), "other")
	if err := os.WriteFile(other, []byte(strings.Replace(string(got), "node_result 56", "node_result 57", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := runDepc(t, "bench", "compute", "--size", "tiny", "--data", data, "--days", "3", "--expect", other); err == nil || !strings.Contains(err.Error(), "checksums differ") {
		t.Errorf("bench compute --expect with other checksums: %v, want them told apart", err)
	}
}
