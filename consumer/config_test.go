package consumer_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/consumer"
	"github.com/depc-dev/depc/graph/graphtest/memgraph"
)

// writeCert writes a self-signed certificate and its key in PEM.
func writeCert(t *testing.T) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IsCA:         true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

func TestNewConfig(t *testing.T) {
	cert, key := writeCert(t)
	notPEM := filepath.Join(t.TempDir(), "ca.txt")
	if err := os.WriteFile(notPEM, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	ok := consumer.Config{Brokers: []string{"127.0.0.1:9092"}}
	with := func(f func(*consumer.Config)) consumer.Config {
		c := ok
		f(&c)
		return c
	}
	tests := []struct {
		name string
		cfg  consumer.Config
		want string // the error message; "" for none
	}{
		{"defaults", ok, ""},
		{"teams", with(func(c *consumer.Config) { c.Teams = []string{"acme", "a_b-2"} }), ""},
		{"pattern", with(func(c *consumer.Config) { c.TopicPattern = `^depc\.(acme|other)$` }), ""},
		{"sasl plain", with(func(c *consumer.Config) { c.SASL = consumer.SASL{Mechanism: "PLAIN", Username: "u", Password: "p"} }), ""},
		{"sasl scram", with(func(c *consumer.Config) {
			c.SASL = consumer.SASL{Mechanism: "SCRAM-SHA-512", Username: "u", Password: "p"}
		}), ""},
		{"tls", with(func(c *consumer.Config) {
			c.TLS = consumer.TLS{Enabled: true, CAFile: cert, CertFile: cert, KeyFile: key, ServerName: "kafka"}
		}), ""},
		{"tls system roots", with(func(c *consumer.Config) { c.TLS = consumer.TLS{Enabled: true} }), ""},

		{"no broker", consumer.Config{}, "kafka brokers: at least one is required"},
		{"broker without port", with(func(c *consumer.Config) { c.Brokers = []string{"kafka"} }), `kafka brokers: "kafka" is not host:port`},
		{"blank group", with(func(c *consumer.Config) { c.GroupID = " " }), "kafka group id: must not be blank"},
		{"bad prefix", with(func(c *consumer.Config) { c.TopicPrefix = "depc." }), `kafka topic prefix: "depc." is not a topic name prefix`},
		{"teams and pattern", with(func(c *consumer.Config) { c.Teams, c.TopicPattern = []string{"a"}, "a" }), "kafka: set teams or topic pattern, not both"},
		{"bad team", with(func(c *consumer.Config) { c.Teams = []string{"Acme"} }), `kafka teams: "Acme" must match ^[a-z0-9][a-z0-9_-]{0,62}$`},
		{"bad pattern", with(func(c *consumer.Config) { c.TopicPattern = "(" }), "kafka topic pattern: error parsing regexp: missing closing ): `(`"},
		{"negative batch", with(func(c *consumer.Config) { c.BatchSize = -1 }), "kafka batch size: must be positive"},
		{"negative wait", with(func(c *consumer.Config) { c.BatchWait = -time.Second }), "kafka batch wait: must be positive"},
		{"negative refresh", with(func(c *consumer.Config) { c.TopicRefresh = -time.Second }), "kafka topic refresh: must be positive"},
		{"negative backoff", with(func(c *consumer.Config) { c.MaxBackoff = -time.Second }), "kafka max backoff: must be positive"},
		{"negative write timeout", with(func(c *consumer.Config) { c.WriteTimeout = -time.Second }), "kafka write timeout: must be positive"},
		{"unknown sasl", with(func(c *consumer.Config) { c.SASL.Mechanism = "GSSAPI" }), `kafka sasl mechanism: "GSSAPI" is not PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512`},
		{"sasl without user", with(func(c *consumer.Config) { c.SASL = consumer.SASL{Mechanism: "PLAIN"} }), "kafka sasl username: required with a mechanism"},
		{"tls files but off", with(func(c *consumer.Config) { c.TLS.CAFile = cert }), "kafka tls: certificate files are set but TLS is not enabled"},
		{"tls missing ca", with(func(c *consumer.Config) { c.TLS = consumer.TLS{Enabled: true, CAFile: "/nonexistent/ca.pem"} }),
			"kafka tls ca file: open /nonexistent/ca.pem: no such file or directory"},
		{"tls ca not pem", with(func(c *consumer.Config) { c.TLS = consumer.TLS{Enabled: true, CAFile: notPEM} }), "kafka tls ca file: no PEM certificate in " + notPEM},
		{"tls cert without key", with(func(c *consumer.Config) { c.TLS = consumer.TLS{Enabled: true, CertFile: cert} }), "kafka tls: cert file and key file go together"},
		{"tls bad key pair", with(func(c *consumer.Config) { c.TLS = consumer.TLS{Enabled: true, CertFile: cert, KeyFile: notPEM} }),
			"kafka tls cert file: tls: failed to find any PEM data in key input"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := consumer.New(tt.cfg, memgraph.New(), nil, nil, prometheus.NewRegistry(), nil)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				return
			}
			if depc.ErrorCode(err) != depc.EINVALID || depc.ErrorMessage(err) != tt.want {
				t.Errorf("New: %q (%s), want %q (invalid)", depc.ErrorMessage(err), depc.ErrorCode(err), tt.want)
			}
		})
	}
}

func TestNewNeedsAStore(t *testing.T) {
	_, err := consumer.New(consumer.Config{Brokers: []string{"127.0.0.1:9092"}}, nil, nil, nil, nil, nil)
	if depc.ErrorCode(err) != depc.EINVALID {
		t.Errorf("New without a store: %v, want invalid", err)
	}
}

func TestNewRegistersMetricsOnce(t *testing.T) {
	reg := prometheus.NewRegistry()
	cfg := consumer.Config{Brokers: []string{"127.0.0.1:9092"}}
	if _, err := consumer.New(cfg, memgraph.New(), nil, nil, reg, nil); err != nil {
		t.Fatal(err)
	}
	// A second consumer on the same registry would report into the same
	// series: refused.
	if _, err := consumer.New(cfg, memgraph.New(), nil, nil, reg, nil); err == nil {
		t.Error("a second consumer registered its metrics on the same registry")
	}
	// Without a registry nothing is registered.
	if _, err := consumer.New(cfg, memgraph.New(), nil, nil, nil, nil); err != nil {
		t.Error(err)
	}
}

func TestReplayRefusesBadInput(t *testing.T) {
	cfg := consumer.Config{Brokers: []string{"127.0.0.1:9092"}}
	for _, topic := range []string{"", ".dlq", "a b"} {
		if _, err := consumer.Replay(t.Context(), cfg, topic, nil); depc.ErrorCode(err) != depc.EINVALID {
			t.Errorf("Replay(%q): %v, want invalid", topic, err)
		}
	}
	if _, err := consumer.Replay(t.Context(), consumer.Config{}, "depc.acme", nil); depc.ErrorCode(err) != depc.EINVALID {
		t.Errorf("Replay without brokers: %v, want invalid", err)
	}
}
