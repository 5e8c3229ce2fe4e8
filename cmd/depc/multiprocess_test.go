package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/internal/testenv"
	"github.com/depc-dev/depc/state/postgres/pgtest"
	"github.com/depc-dev/depc/state/statecopy"
	"github.com/depc-dev/depc/workload"
	"github.com/jackc/pgx/v5"
	"github.com/segmentio/kafka-go"
)

// childEnv marks a process the multi-process test started: TestMain runs
// depc's main in it instead of the tests.
const childEnv = "DEPC_TEST_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// child is a depc process started by the multi-process test.
type child struct {
	name   string
	cmd    *exec.Cmd
	url    string
	stdout *syncBuffer
	stderr *syncBuffer
	exited chan error
}

// startChild starts `depc serve` in a process of its own: the binary of
// DEPC_TEST_BINARY (bin/depc of `make build`) or, by default, this test
// binary, which runs depc's main when childEnv is set (TestMain).
func startChild(t *testing.T, name string, env []string) *child {
	t.Helper()
	bin := os.Getenv("DEPC_TEST_BINARY")
	if bin == "" {
		var err error
		if bin, err = os.Executable(); err != nil {
			t.Fatal(err)
		}
	}
	c := &child{name: name, stdout: &syncBuffer{}, stderr: &syncBuffer{}, exited: make(chan error, 1)}
	c.cmd = exec.Command(bin, "serve", "--data", t.TempDir(), "--addr", "127.0.0.1:0")
	c.cmd.Env = append(append(os.Environ(), childEnv+"=1"), env...)
	c.cmd.Stdout, c.cmd.Stderr = c.stdout, c.stderr
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { c.exited <- c.cmd.Wait() }()
	t.Cleanup(func() {
		if c.cmd.ProcessState == nil {
			_ = c.cmd.Process.Kill()
			<-c.exited
		}
		if t.Failed() {
			t.Logf("%s (pid %d) stderr:\n%s", c.name, c.cmd.Process.Pid, c.stderr.String())
		}
	})
	deadline := time.Now().Add(2 * time.Minute)
	for {
		if m := readyLine.FindStringSubmatch(c.stdout.String()); m != nil {
			c.url = m[1]
			return c
		}
		select {
		case err := <-c.exited:
			t.Fatalf("%s ended before it was ready: %v\n%s\n%s", name, err, c.stdout.String(), c.stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not ready:\n%s\n%s", name, c.stdout.String(), c.stderr.String())
		}
	}
}

// stop ends the process with SIGTERM and wants a clean exit.
func (c *child) stop(t *testing.T) {
	t.Helper()
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-c.exited:
		if err != nil {
			t.Errorf("%s after SIGTERM: %v\n%s", c.name, err, c.stderr.String())
		}
	case <-time.After(time.Minute):
		t.Errorf("%s did not stop after SIGTERM", c.name)
	}
}

// call sends a request to the process's API with a token and returns the
// status and body.
func (c *child) call(t *testing.T, method, path, token string, body any) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = strings.NewReader(string(b))
	}
	req, err := http.NewRequest(method, c.url+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s %s: %v", c.name, method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

func (c *child) must(t *testing.T, method, path, token string, body any, want int, out any) []byte {
	t.Helper()
	status, b := c.call(t, method, path, token, body)
	if status != want {
		t.Fatalf("%s: %s %s: %d, want %d: %s", c.name, method, path, status, want, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s: %s %s: %s: %v", c.name, method, path, b, err)
		}
	}
	return b
}

// recordsConsumed reads depc_consumer_records_total of the team from the
// process's /metrics.
func (c *child) recordsConsumed(t *testing.T, team string) int {
	t.Helper()
	_, b := c.call(t, "GET", "/metrics", "", nil)
	prefix := `depc_consumer_records_total{team="` + team + `"} `
	sc := bufio.NewScanner(strings.NewReader(string(b)))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), prefix); ok {
			n, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("%s: %q", c.name, sc.Text())
			}
			return int(n)
		}
	}
	return 0
}

// waitUntil waits for a state of the processes. It is a wait, not a
// measure: the limit only keeps a broken test from hanging.
func waitUntil(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("still waiting for %s after %s", what, limit)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func randomID() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// TestMultiProcess: three depc processes share PostgreSQL, Neo4j and
// Kafka. A backfill of a generated team is spread over them; one is killed
// with SIGKILL while it holds a day, which another takes over once its
// lease expires. Every day is computed once, to the results a single
// process computes; the replicas answer the same; a grant revoked through
// one is refused by the others within 2 s; the messages produced are each
// applied once, those of the killed replica's partitions by the others.
func TestMultiProcess(t *testing.T) {
	pgURL := pgtest.Schema(t)
	neo4jURI := testenv.RequireService(t, testenv.Neo4jURI)
	brokers := strings.Split(testenv.RequireService(t, testenv.KafkaBrokers), ",")
	ctx := context.Background()

	// The graph of the team is the same at every run (the workload is
	// deterministic and loading it again changes nothing), so one team
	// name serves every run; the state and the topics are the test's own.
	const team = "multiprocess"
	id := randomID()
	prefix := "depcmp-" + id
	topic := prefix + "." + team
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	adminToken := "mp-admin-" + id + "-0123456789abcdefghijklmnop"
	env := []string{
		"DEPC_CONFIG=",
		"DEPC_LOG_LEVEL=info",
		"DEPC_ADMIN_TOKEN=" + adminToken,
		"DEPC_SECRET_KEY=" + base64.StdEncoding.EncodeToString(key),
		"DEPC_STATE_BACKEND=postgres",
		"DEPC_STATE_POSTGRES_URL=" + pgURL,
		"DEPC_GRAPH_BACKEND=neo4j",
		"DEPC_GRAPH_NEO4J_URI=" + neo4jURI,
		"DEPC_GRAPH_NEO4J_USER=" + testenv.Getenv(testenv.Neo4jUser, "neo4j"),
		"DEPC_GRAPH_NEO4J_PASSWORD=" + os.Getenv(testenv.Neo4jPassword),
		"DEPC_KAFKA_BROKERS=" + strings.Join(brokers, ","),
		"DEPC_KAFKA_PREFIX=" + prefix,
		"DEPC_KAFKA_GROUP=" + prefix,
		"DEPC_KAFKA_BATCH_WAIT=50ms",
		"DEPC_SCHEDULER_CATCH_UP_DAYS=0",
		"DEPC_SCHEDULER_LEASE=5s",
	}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}

	// The team, loaded once into the shared stores.
	size, err := workload.Lookup("small")
	if err != nil {
		t.Fatal(err)
	}
	if out, err := runDepc(t, "gen", "--size", size.Name, "--load", "--team", team, "--data", t.TempDir()); err != nil {
		t.Fatalf("gen --load: %v\n%s", err, out)
	}
	first := time.Unix(size.Start, 0).UTC()
	from, to := depc.FormatDay(first), depc.FormatDay(first.AddDate(0, 0, 5))

	// The team topic, three partitions for three consumers.
	kc := &kafka.Client{Addr: kafka.TCP(brokers...), Timeout: 30 * time.Second}
	res, err := kc.CreateTopics(ctx, &kafka.CreateTopicsRequest{Topics: []kafka.TopicConfig{{Topic: topic, NumPartitions: 3, ReplicationFactor: 1}}})
	if err != nil || res.Errors[topic] != nil {
		t.Fatalf("create topic %s: %v %v", topic, err, res)
	}
	t.Cleanup(func() {
		_, _ = kc.DeleteTopics(context.Background(), &kafka.DeleteTopicsRequest{Topics: []string{topic, topic + ".dlq"}})
	})
	waitUntil(t, 30*time.Second, "the topic", func() bool {
		md, err := kc.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{topic}})
		return err == nil && len(md.Topics) == 1 && md.Topics[0].Error == nil && len(md.Topics[0].Partitions) == 3
	})
	w := &kafka.Writer{Addr: kafka.TCP(brokers...), Topic: topic, Balancer: &kafka.RoundRobin{}, BatchTimeout: 10 * time.Millisecond, RequiredAcks: kafka.RequireAll}
	defer w.Close()
	produced := 0
	// produce writes n messages, each declaring a node Probe/p-<i>: a label
	// the config does not compute, so the results of the backfill stay
	// what a single process computes.
	produce := func(n int) {
		t.Helper()
		var msgs []kafka.Message
		for range n {
			m := fmt.Sprintf(`{"source": {"label": "Probe", "name": "p-%d", "props": {"from": %d}}}`, produced, time.Now().Unix())
			msgs = append(msgs, kafka.Message{Key: []byte(strconv.Itoa(produced)), Value: []byte(m)})
			produced++
		}
		if err := w.WriteMessages(ctx, msgs...); err != nil {
			t.Fatal(err)
		}
	}

	procs := []*child{startChild(t, "a", nil), startChild(t, "b", nil), startChild(t, "c", nil)}
	consumed := func(ps ...*child) int {
		n := 0
		for _, p := range ps {
			n += p.recordsConsumed(t, team)
		}
		return n
	}
	// The group spreads the partitions: every replica gets records.
	waitUntil(t, 2*time.Minute, "every replica to consume records", func() bool {
		produce(3)
		for _, p := range procs {
			if p.recordsConsumed(t, team) == 0 {
				return false
			}
		}
		return true
	})
	// committed returns the offsets the group committed on the topic, in
	// all: the records applied for good.
	committed := func() int {
		res, err := kc.OffsetFetch(ctx, &kafka.OffsetFetchRequest{GroupID: prefix, Topics: map[string][]int{topic: {0, 1, 2}}})
		if err != nil || res.Error != nil {
			return -1
		}
		n := 0
		for _, p := range res.Topics[topic] {
			if p.Error == nil && p.CommittedOffset > 0 {
				n += int(p.CommittedOffset)
			}
		}
		return n
	}
	waitUntil(t, time.Minute, "every message to be applied and committed", func() bool { return committed() >= produced })
	// Each record is applied once: the replicas joined one after the
	// other, and at each rebalance a replica commits the batch it is
	// writing before its partitions go to another (consumer: the writer
	// is one of the generation's goroutines), so no record is read again.
	if n := consumed(procs...); n != produced {
		t.Errorf("%d records consumed for %d produced", n, produced)
	}

	// The backfill, asked through a, drained by all three.
	var run depc.Run
	procs[0].must(t, "POST", "/api/v1/teams/"+team+"/runs", adminToken, map[string]string{"from": from, "to": to}, http.StatusAccepted, &run)
	db, err := pgx.Connect(ctx, pgURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(ctx)
	// The first replica seen holding a day of it is killed: stopped
	// (SIGSTOP) first, so that it cannot finish the day while the test
	// makes sure it still holds it, then killed (SIGKILL).
	var victim *child
	var killedDay string
	holds := func(p *child, day string) bool {
		var n int
		err := db.QueryRow(ctx, `SELECT count(*) FROM run_day WHERE run_id = $1 AND day = $2 AND state = 'running' AND owner LIKE $3`,
			run.ID, day, fmt.Sprintf("%%/%d/%%", p.cmd.Process.Pid)).Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		return n == 1
	}
	waitUntil(t, 2*time.Minute, "a replica to hold a day", func() bool {
		var held []string
		rows, err := db.Query(ctx, `SELECT owner || ' ' || day FROM run_day WHERE run_id = $1 AND state = 'running'`, run.ID)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var h string
			if err := rows.Scan(&h); err != nil {
				t.Fatal(err)
			}
			held = append(held, h)
		}
		rows.Close()
		for _, h := range held {
			owner, day, _ := strings.Cut(h, " ")
			for _, p := range procs {
				if !strings.Contains(owner, fmt.Sprintf("/%d/", p.cmd.Process.Pid)) {
					continue
				}
				if err := p.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
					t.Fatal(err)
				}
				if !holds(p, day) {
					_ = p.cmd.Process.Signal(syscall.SIGCONT)
					return false
				}
				victim, killedDay = p, day
				return true
			}
		}
		return false
	})
	if err := victim.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-victim.exited
	var alive []*child
	for _, p := range procs {
		if p != victim {
			alive = append(alive, p)
		}
	}
	t.Logf("killed %s (pid %d) while it computed %s", victim.name, victim.cmd.Process.Pid, killedDay)
	before := consumed(alive...)
	produce(30)

	waitUntil(t, 3*time.Minute, "the backfill to finish", func() bool {
		_, b := alive[0].call(t, "GET", fmt.Sprintf("/api/v1/teams/%s/runs/%d", team, run.ID), adminToken, nil)
		var r depc.Run
		return json.Unmarshal(b, &r) == nil && r.Status.Finished()
	})
	alive[0].must(t, "GET", fmt.Sprintf("/api/v1/teams/%s/runs/%d", team, run.ID), adminToken, nil, http.StatusOK, &run)
	if run.Status != depc.RunSucceeded || run.Progress != 1 || run.Nodes == 0 {
		t.Errorf("backfill %+v, want succeeded", run)
	}
	if len(run.Errors) != 1 || !strings.HasPrefix(run.Errors[0].Error, "interrupted: "+killedDay) {
		t.Errorf("backfill errors %+v, want the interruption of %s only", run.Errors, killedDay)
	}
	// Every day computed once: one "day computed" line among the three
	// logs, one claim each but the killed day's.
	var logs []string
	for _, p := range procs {
		logs = append(logs, p.stderr.String())
	}
	counts := computedDays(logs...)
	byProcess := map[string]int{}
	for _, d := range run.Days {
		if n := counts[fmt.Sprintf("%s/%d/%s", team, run.ID, d)]; n != 1 {
			t.Errorf("%s computed %d times", d, n)
		}
		for _, p := range procs {
			byProcess[p.name] += computedDays(p.stderr.String())[fmt.Sprintf("%s/%d/%s", team, run.ID, d)]
		}
	}
	t.Logf("days computed by each process: %v", byProcess)
	var claims int
	if err := db.QueryRow(ctx, `SELECT claim FROM run_day WHERE run_id = $1 AND day = $2`, run.ID, killedDay).Scan(&claims); err != nil || claims < 2 {
		t.Errorf("the killed day's claims: %d %v, want at least 2", claims, err)
	}

	// Every replica answers the same.
	for _, path := range []string{
		fmt.Sprintf("/api/v1/teams/%s/runs/%d", team, run.ID),
		fmt.Sprintf("/api/v1/teams/%s/labels/Offer/qos?start=%s&end=%s", team, from, to),
		fmt.Sprintf("/api/v1/teams/%s/labels/Customer/worst?day=%s&limit=5", team, to),
		fmt.Sprintf("/api/v1/teams/%s/labels/Website/nodes/%s/qos?start=%s&end=%s", team, url.PathEscape(size.NodeName("Website", 7)), from, to),
	} {
		b0 := alive[0].must(t, "GET", path, adminToken, nil, http.StatusOK, nil)
		if b1 := alive[1].must(t, "GET", path, adminToken, nil, http.StatusOK, nil); string(b0) != string(b1) {
			t.Errorf("GET %s: %s answers\n%s\n%s answers\n%s", path, alive[0].name, b0, alive[1].name, b1)
		}
	}

	// A grant revoked through one replica is refused by the other within
	// 2 s, though the other had just let the user in.
	var viewer struct{ Token string }
	alive[0].must(t, "POST", "/api/v1/users", adminToken, map[string]any{"name": "viewer-" + id}, http.StatusCreated, &viewer)
	alive[0].must(t, "PUT", "/api/v1/teams/"+team+"/grants/viewer-"+id, adminToken, map[string]string{"role": "viewer"}, http.StatusOK, nil)
	alive[1].must(t, "GET", "/api/v1/teams/"+team, viewer.Token, nil, http.StatusOK, nil)
	alive[0].must(t, "DELETE", "/api/v1/teams/"+team+"/grants/viewer-"+id, adminToken, nil, http.StatusNoContent, nil)
	revoked := time.Now()
	time.Sleep(time.Until(revoked.Add(2 * time.Second)))
	if status, b := alive[1].call(t, "GET", "/api/v1/teams/"+team, viewer.Token, nil); status != http.StatusForbidden {
		t.Errorf("%s, 2 s after the grant was revoked through %s: %d %s, want 403", alive[1].name, alive[0].name, status, b)
	}

	// The messages produced after the kill, those of the killed
	// replica's partitions too, are applied once by the others.
	waitUntil(t, 3*time.Minute, "the messages produced after the kill", func() bool { return committed() >= produced })
	if n := consumed(alive...) - before; n != 30 {
		t.Errorf("%d records consumed after the kill, for 30 produced", n)
	}
	if n := committed(); n != produced {
		t.Errorf("%d records committed, for %d produced", n, produced)
	}
	for _, p := range alive {
		p.must(t, "GET", fmt.Sprintf("/api/v1/teams/%s/labels/Probe/nodes/p-%d", team, produced-1), adminToken, nil, http.StatusOK, nil)
	}
	for _, p := range alive {
		p.stop(t)
	}

	// The same days computed by one process, on a copy of the state
	// without results, give the same results.
	single := pgtest.Schema(t)
	src, err := statecopy.Open(ctx, pgURL, false)
	if err != nil {
		t.Fatal(err)
	}
	dst, err := statecopy.Open(ctx, single, true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := statecopy.Copy(ctx, src, dst, statecopy.Options{}); err != nil {
		t.Fatal(err)
	}
	src.Close()
	dst.Close()
	sdb, err := pgx.Connect(ctx, single)
	if err != nil {
		t.Fatal(err)
	}
	defer sdb.Close(ctx)
	if _, err := sdb.Exec(ctx, `TRUNCATE result_day, node_result, label_result, worst_node`); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DEPC_STATE_POSTGRES_URL", single)
	out, err := runDepc(t, "run", "--team", team, "--from", from, "--to", to, "--data", t.TempDir())
	if err != nil || !strings.Contains(out, fmt.Sprintf("6 days, %d node results", run.Nodes)) {
		t.Fatalf("single-process run: %v\n%s\nwant 6 days, %d node results as the shared run", err, out, run.Nodes)
	}
	schema := func(u string) string {
		p, err := url.Parse(u)
		if err != nil {
			t.Fatal(err)
		}
		return pgx.Identifier{p.Query().Get("search_path")}.Sanitize()
	}
	multi, one := schema(pgURL), schema(single)
	for table, cols := range map[string]string{
		"node_result":  "n.day, l.name, n.name, n.qos, n.ok, n.ko, n.unknown, n.downtime, n.children",
		"label_result": "n.day, l.name, n.qos, n.nodes",
		"worst_node":   "n.day, l.name, n.rank, n.name, n.qos",
	} {
		q := func(s string) string {
			gen := ""
			if table == "node_result" {
				gen = ` JOIN ` + s + `.result_day d ON d.team_id = n.team_id AND d.day = n.day AND d.gen = n.gen`
			}
			return `SELECT ` + cols + ` FROM ` + s + `.` + table + ` n JOIN ` + s + `.label l ON l.id = n.label_id` + gen
		}
		var onlyMulti, onlyOne, rows int
		err := db.QueryRow(ctx, `SELECT (SELECT count(*) FROM (`+q(multi)+` EXCEPT ALL `+q(one)+`) x),
			(SELECT count(*) FROM (`+q(one)+` EXCEPT ALL `+q(multi)+`) y), (SELECT count(*) FROM (`+q(one)+`) z)`).Scan(&onlyMulti, &onlyOne, &rows)
		if err != nil {
			t.Fatal(err)
		}
		if onlyMulti != 0 || onlyOne != 0 || rows == 0 {
			t.Errorf("%s: %d rows of the shared backfill differ from the single process's, %d the other way (%d rows)", table, onlyMulti, onlyOne, rows)
		}
	}
}
