// Package testenv gives tests the addresses of the real services (Neo4j,
// Kafka, Prometheus, PostgreSQL, Alertmanager) that deploy/dev starts, and
// enforces the project's rule: when DEPC_REQUIRE_SERVICES=1 (CI), a test
// whose service is not configured fails instead of skipping.
package testenv

import (
	"os"
	"testing"
)

// Environment variables naming the real services.
const (
	Neo4jURI        = "DEPC_TEST_NEO4J_URI"        // bolt://127.0.0.1:7687
	Neo4jUser       = "DEPC_TEST_NEO4J_USER"       // default neo4j
	Neo4jPassword   = "DEPC_TEST_NEO4J_PASSWORD"   // set by deploy/dev/neo4j
	KafkaBrokers    = "DEPC_TEST_KAFKA_BROKERS"    // 127.0.0.1:9092
	PrometheusURL   = "DEPC_TEST_PROMETHEUS_URL"   // http://127.0.0.1:9090
	PostgresURL     = "DEPC_TEST_POSTGRES_URL"     // postgres://depc:…@127.0.0.1:55432/depc, set by deploy/dev/postgres
	AlertmanagerURL = "DEPC_TEST_ALERTMANAGER_URL" // http://127.0.0.1:59093, set by deploy/dev/alertmanager
	Require         = "DEPC_REQUIRE_SERVICES"      // "1" in CI
)

// Environment variables naming the real time-series stores of the source
// tests (deploy/dev/influxdb, deploy/dev/victoriametrics, deploy/dev/opentsdb).
const (
	InfluxDBURL        = "DEPC_TEST_INFLUXDB_URL"        // http://depc-reader:…@127.0.0.1:58086 (the reader's credentials)
	VictoriaMetricsURL = "DEPC_TEST_VICTORIAMETRICS_URL" // http://127.0.0.1:58428
	OpenTSDBURL        = "DEPC_TEST_OPENTSDB_URL"        // http://127.0.0.1:54242 (deploy/dev/opentsdb)
)

// RequireService returns the value of the environment variable that points
// at a real service. When it is unset the test is skipped, unless
// DEPC_REQUIRE_SERVICES=1, in which case it fails.
func RequireService(tb testing.TB, env string) string {
	tb.Helper()
	v := os.Getenv(env)
	if v != "" {
		return v
	}
	if os.Getenv(Require) == "1" {
		tb.Fatalf("%s is not set and %s=1: start the service with deploy/dev and export it", env, Require)
	}
	tb.Skipf("%s is not set (start the service with deploy/dev; CI sets %s=1 and requires it)", env, Require)
	return ""
}

// Getenv returns the variable's value or def when unset.
func Getenv(env, def string) string {
	if v := os.Getenv(env); v != "" {
		return v
	}
	return def
}
