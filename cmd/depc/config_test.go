package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestDefaultConfigIsValid(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestLoadConfigLayers(t *testing.T) {
	cfg, err := LoadConfig("testdata/config/good.yml", []string{
		"DEPC_GRAPH_NEO4J_PASSWORD=from-env",
		"DEPC_KAFKA_BROKERS=a:1, b:2,",
		"DEPC_SCHEDULER_CATCH_UP_DAYS=10",
		"DEPC_SCHEDULER_LEASE=15s",
		"DEPC_API_BODY_LIMIT=2048",
		"DEPC_SOURCES_ALLOW=10.0.0.0/8, prom.internal",
		"OTHER_VAR=ignored",
	})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != "0.0.0.0:8080" || cfg.DataDir != "/var/lib/depc" {
		t.Errorf("file settings not applied: %+v", cfg)
	}
	if cfg.Graph.Neo4j.User != "neo4j" {
		t.Errorf("default lost under a file section: user = %q", cfg.Graph.Neo4j.User)
	}
	if cfg.Graph.Neo4j.Password != "from-env" {
		t.Errorf("environment does not override the file: %q", cfg.Graph.Neo4j.Password)
	}
	if want := []string{"a:1", "b:2"}; !reflect.DeepEqual(cfg.Kafka.Brokers, want) {
		t.Errorf("brokers = %q, want %q", cfg.Kafka.Brokers, want)
	}
	if cfg.Kafka.BatchWait != 500*time.Millisecond || cfg.Scheduler.Nightly != "01:30" {
		t.Errorf("durations or times not read: %v %q", cfg.Kafka.BatchWait, cfg.Scheduler.Nightly)
	}
	if want := []string{"10.0.0.0/8", "prom.internal"}; !reflect.DeepEqual(cfg.Sources.Allow, want) {
		t.Errorf("sources.allow = %q, want %q", cfg.Sources.Allow, want)
	}
	if cfg.Scheduler.CatchUpDays != 10 || cfg.API.BodyLimit != 2048 {
		t.Errorf("integers from the environment not applied: %+v", cfg)
	}
	if cfg.Scheduler.Workers != 2 || cfg.Scheduler.Lease != 15*time.Second {
		t.Errorf("scheduler workers %d (file), lease %s (environment); want 2, 15s", cfg.Scheduler.Workers, cfg.Scheduler.Lease)
	}
}

func TestLoadConfigEmptyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "empty.yml")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(cfg, DefaultConfig()) {
		t.Errorf("an empty file changed the defaults: %+v", cfg)
	}
}

// scheduler.compute_ahead is on by default; the environment turns it off.
func TestLoadConfigComputeAhead(t *testing.T) {
	if !DefaultConfig().Scheduler.ComputeAhead {
		t.Error("scheduler.compute_ahead is off by default")
	}
	cfg, err := LoadConfig("", []string{"DEPC_SCHEDULER_COMPUTE_AHEAD=false"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Scheduler.ComputeAhead {
		t.Error("DEPC_SCHEDULER_COMPUTE_AHEAD=false left it on")
	}
}

func TestLoadConfigBadEnvironment(t *testing.T) {
	for _, env := range []string{"DEPC_API_BODY_LIMIT=lots", "DEPC_SCHEDULER_ENABLED=maybe", "DEPC_KAFKA_BATCH_WAIT=soon"} {
		_, err := LoadConfig("", []string{env})
		name, _, _ := strings.Cut(env, "=")
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: err = %v, want an error naming the variable", env, err)
		}
	}
}

// TestLoadConfigBad checks each testdata/config/*.bad.yml against the
// message in the .err file beside it.
func TestLoadConfigBad(t *testing.T) {
	files, _ := filepath.Glob("testdata/config/*.bad.yml")
	if len(files) == 0 {
		t.Fatal("no bad config files")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			want, err := os.ReadFile(f + ".err")
			if err != nil {
				t.Fatal(err)
			}
			_, err = LoadConfig(f, nil)
			if err == nil {
				t.Fatal("accepted")
			}
			if !strings.Contains(err.Error(), strings.TrimSpace(string(want))) {
				t.Errorf("error %q does not contain %q", err, want)
			}
		})
	}
}

// TestLoadConfigLimits: the per-team limits have defaults, and the file
// and the environment set them.
func TestLoadConfigLimits(t *testing.T) {
	dir := t.TempDir()
	path := dir + "/depc.yml"
	if err := os.WriteFile(path, []byte("limits:\n  labels: 50\n  messages_per_second: 0\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig(path, []string{"DEPC_LIMITS_NODES=1000"})
	if err != nil {
		t.Fatal(err)
	}
	want := DefaultConfig().Limits
	want.Labels, want.Nodes, want.MessagesPerSecond = 50, 1000, 0
	if cfg.Limits != want {
		t.Errorf("limits = %+v, want %+v", cfg.Limits, want)
	}
	if d := DefaultConfig().Limits; d.Labels == 0 || d.Nodes == 0 || d.MessageBytes == 0 || d.MessagesPerSecond == 0 {
		t.Errorf("a default limit is missing: %+v", d)
	}
}

// TestProxyAuthConfig: proxy authentication is set from the environment,
// and a header without trusted proxies (or a bad CIDR) is refused at start.
func TestProxyAuthConfig(t *testing.T) {
	cfg, err := LoadConfig("", []string{"DEPC_API_PROXY_AUTH_HEADER=X-Remote-User", "DEPC_API_PROXY_AUTH_TRUSTED=10.0.0.0/8, 192.168.1.7"})
	if err != nil {
		t.Fatal(err)
	}
	pa := cfg.API.proxyAuth()
	if pa.Header != "X-Remote-User" || len(pa.Trusted) != 2 || pa.Trusted[1].String() != "192.168.1.7/32" {
		t.Errorf("proxy auth = %+v", pa)
	}
	for _, env := range [][]string{
		{"DEPC_API_PROXY_AUTH_HEADER=X-Remote-User"},
		{"DEPC_API_PROXY_AUTH_HEADER=X-Remote-User", "DEPC_API_PROXY_AUTH_TRUSTED=10.0.0.0/40"},
	} {
		if _, err := LoadConfig("", env); err == nil || !strings.Contains(err.Error(), "api.proxy_auth") {
			t.Errorf("%v: %v, want an error naming api.proxy_auth", env, err)
		}
	}
}
