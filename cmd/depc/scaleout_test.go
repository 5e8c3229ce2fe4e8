package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/state/postgres/pgtest"
	"github.com/depc-dev/depc/state/sqlite"
)

// dayComputed matches the scheduler's log line of a day it computed and
// recorded: "msg="day computed" team=T run=N day=D …".
var dayComputed = regexp.MustCompile(`msg="day computed" team=(\S+) run=(\d+) day=(\S+)`)

// computedDays counts the days each log reports computed, by "team/run/day".
func computedDays(logs ...string) map[string]int {
	n := map[string]int{}
	for _, l := range logs {
		for _, m := range dayComputed.FindAllStringSubmatch(l, -1) {
			n[m[1]+"/"+m[2]+"/"+m[3]]++
		}
	}
	return n
}

// startCommand runs a depc command in a goroutine until the test ends,
// once it printed ready.
func startCommand(t *testing.T, ready string, args ...string) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{t: t, cancel: cancel, done: make(chan error, 1), stdout: &syncBuffer{}, stderr: &syncBuffer{}}
	go func() { r.done <- run(ctx, args, r.stdout, r.stderr) }()
	deadline := time.Now().Add(2 * time.Minute)
	for !strings.Contains(r.stdout.String(), ready) {
		select {
		case err := <-r.done:
			cancel()
			t.Fatalf("depc %s ended before it was ready: %v\n%s\n%s", args[0], err, r.stdout.String(), r.stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("depc %s not ready:\n%s\n%s", args[0], r.stdout.String(), r.stderr.String())
		}
	}
	t.Cleanup(func() { r.stop() })
	return r
}

// The reproduction of issue 11: `depc serve` and `depc schedule` on one
// data directory compute each day of a run once between them; a scheduler
// starting next to a live computation leaves its day alone; a `depc serve`
// that cannot listen touches nothing.
func TestScheduleNextToServe(t *testing.T) {
	data := t.TempDir()
	t.Setenv("DEPC_CONFIG", "")
	if out, err := runDepc(t, "gen", "--size", "tiny", "--load", "--data", data, "--team", "tiny"); err != nil {
		t.Fatalf("gen --load: %v\n%s", err, out)
	}
	// A process computing a day of run 1: its lease is alive.
	st, err := sqlite.Open(filepath.Join(data, stateFile))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	if _, err := st.CreateRun(ctx, "tiny", []string{"2025-01-06"}); err != nil {
		t.Fatal(err)
	}
	live, err := st.ClaimDay(ctx, depc.ClaimRequest{Owner: "a live process", Now: time.Now(), TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}

	sched := startCommand(t, "scheduler running", "schedule", "--data", data, "--addr", "127.0.0.1:0")
	// A second serve whose address is taken fails before it touches the
	// stores.
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	if out, err := runDepc(t, "serve", "--data", data, "--addr", taken.Addr().String()); err == nil || !strings.Contains(err.Error(), "address already in use") {
		t.Errorf("serve on a taken address: %v\n%s", err, out)
	}
	srv := startServe(t, "--data", data, "--addr", "127.0.0.1:0")

	var r depc.Run
	srv.must("POST", "/teams/tiny/runs?wait=true", map[string]string{"from": "2025-01-07", "to": "2025-01-13"}, http.StatusOK, &r)
	if r.Status != depc.RunSucceeded || r.Progress != 1 || len(r.Errors) != 0 {
		t.Errorf("run %+v", r)
	}
	counts := computedDays(sched.stderr.String(), srv.stderr.String())
	for _, d := range r.Days {
		if n := counts[fmt.Sprintf("tiny/%d/%s", r.ID, d)]; n != 1 {
			t.Errorf("%s computed %d times, want once\nschedule:\n%s\nserve:\n%s", d, n, sched.stderr.String(), srv.stderr.String())
		}
	}
	// Run 1's day is still the live process's: nobody computed it,
	// queued it again or took it over.
	if n := counts["tiny/1/2025-01-06"]; n != 0 {
		t.Errorf("the live process's day was computed %d times", n)
	}
	got, err := st.Run(ctx, "tiny", 1)
	if err != nil || got.Status != depc.RunRunning || len(got.Errors) != 0 {
		t.Errorf("run 1 with its day held: %+v %v", got, err)
	}
	if _, err := st.RenewDay(ctx, live, time.Now(), time.Hour); err != nil {
		t.Errorf("the live process's lease: %v", err)
	}
}

// depc state copy: a data directory's state into PostgreSQL, where the
// commands go on with it, and back into another data directory.
func TestStateCopy(t *testing.T) {
	url := pgtest.Schema(t)
	data := t.TempDir()
	t.Setenv("DEPC_CONFIG", "")
	if out, err := runDepc(t, "gen", "--size", "tiny", "--load", "--data", data, "--team", "tiny"); err != nil {
		t.Fatalf("gen --load: %v\n%s", err, out)
	}
	if out, err := runDepc(t, "run", "--data", data, "--team", "tiny", "--day", "2025-01-06"); err != nil {
		t.Fatalf("run: %v\n%s", err, out)
	}
	out, err := runDepc(t, "state", "copy", "--from", data, "--to", url)
	if err != nil || !strings.Contains(out, "copied and verified") || !strings.Contains(out, "node_result") {
		t.Fatalf("state copy: %v\n%s", err, out)
	}
	if out, err := runDepc(t, "state", "copy", "--from", data, "--to", url); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("state copy onto the copy: %v\n%s, want a refusal", err, out)
	}
	if out, err := runDepc(t, "state", "copy", "--from", data, "--to", url, "--allow-non-empty"); err != nil {
		t.Errorf("state copy --allow-non-empty: %v\n%s", err, out)
	}
	// The embedded graph stays in the data directory; the state is now
	// PostgreSQL's: run 2 follows the copied run 1.
	t.Setenv("DEPC_STATE_BACKEND", "postgres")
	t.Setenv("DEPC_STATE_POSTGRES_URL", url)
	if out, err := runDepc(t, "run", "--data", data, "--team", "tiny", "--day", "2025-01-07"); err != nil || !strings.Contains(out, "run 2 of team tiny: succeeded") {
		t.Fatalf("run on the copy: %v\n%s", err, out)
	}
	back := t.TempDir()
	if out, err := runDepc(t, "state", "copy", "--from", url, "--to", back); err != nil {
		t.Fatalf("state copy back: %v\n%s", err, out)
	}
	st, err := sqlite.Open(filepath.Join(back, stateFile))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rs, err := st.Runs(context.Background(), "tiny", 0)
	if err != nil || len(rs) != 2 || rs[0].Status != depc.RunSucceeded || rs[1].Status != depc.RunSucceeded {
		t.Errorf("runs copied back: %+v %v", rs, err)
	}
	for _, args := range [][]string{{"state", "copy", "--to", back}, {"state", "copy", "--from", filepath.Join(back, "nope.db"), "--to", url}} {
		if out, err := runDepc(t, args...); err == nil {
			t.Errorf("%v: no error\n%s", args, out)
		}
	}
}
