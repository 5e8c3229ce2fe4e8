package depc_test

import (
	"bufio"
	"bytes"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/depc-dev/depc"

// allowedImports is ARCHITECTURE.md §3 as data: for each package (path
// relative to the module; "" is the root), the module packages and the
// third-party module prefixes it may import. Standard library imports are
// always allowed. A package missing from the table fails the test, so a new
// package has to take a place in the architecture first.
var allowedImports = map[string][]string{
	"qos/naming":         {},
	"qos/expr":           {"qos/naming"},
	"qos":                {"qos/expr", "qos/naming"},
	"qos/budget":         {"qos"},
	"":                   {"qos", "qos/budget", "qos/expr", "qos/naming", "querytemplate"},
	"querytemplate":      {},
	"internal/testenv":   {},
	"workload":           {"", "qos"},
	"graph":              {},
	"graph/embedded":     {"", "qos", "modernc.org/"},
	"graph/neo4j":        {"", "qos", "github.com/neo4j/neo4j-go-driver/"},
	"graph/graphtest":    {"", "qos", "internal/testenv", "workload"},
	"state":              {},
	"state/sqlite":       {"", "qos", "modernc.org/"},
	"state/postgres":     {"", "qos", "github.com/jackc/pgx/"},
	"state/statetest":    {"", "qos"},
	"state/sealed":       {""},
	"state/statecopy":    {"", "state/sqlite", "state/postgres", "github.com/jackc/pgx/"},
	"source":             {},
	"source/outbound":    {""},
	"source/httpsource":  {"", "source/outbound"},
	"source/prometheus":  {"", "qos", "source/httpsource", "source/outbound", "source/querylabels", "github.com/prometheus/"},
	"source/querylabels": {"", "github.com/prometheus/"},
	"source/fake":        {"", "qos"},
	"source/influxdb":    {"", "qos", "source/httpsource", "source/outbound", "github.com/influxdata/influxql"},
	"source/opentsdb":    {"", "qos", "source/httpsource", "source/outbound"},
	"source/warp10":      {"", "qos", "source/httpsource", "source/outbound"},
	"source/plugins":     {"", "source/fake", "source/influxdb", "source/opentsdb", "source/outbound", "source/prometheus", "source/warp10"},
	"source/sourcetest":  {""},
	"message":            {""},
	"limits":             {""},
	"consumer":           {"", "message", "limits", "github.com/segmentio/kafka-go", "github.com/prometheus/client_golang/"},
	"compute":            {"", "qos", "qos/expr"},
	"scheduler":          {"", "compute", "github.com/go-co-op/gocron/", "github.com/prometheus/client_golang/"},
	"objective":          {"", "qos", "qos/budget", "compute"},
	"incident":           {"", "compute"},
	"alert":              {"", "qos", "qos/budget", "compute", "objective", "source/outbound"},
	"api":                {"", "qos", "qos/budget", "querytemplate", "compute", "objective", "incident", "message", "limits", "passhash", "source/outbound", "deploy/grafana", "github.com/labstack/echo/", "github.com/prometheus/client_golang/"},
	"passhash":           {"golang.org/x/crypto/"},
	"ui":                 {},
	"deploy/grafana":     {},
	"cmd/depc":           {"*"},

	// Imported by tests only.
	"graph/graphtest/memgraph": {""},
	"state/postgres/pgtest":    {"internal/testenv", "github.com/jackc/pgx/"},
}

type pkgInfo struct {
	path    string
	imports []string
}

func listPackages(t *testing.T, format string) []pkgInfo {
	t.Helper()
	out, err := exec.Command("go", "list", "-f", format, "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []pkgInfo
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		pkgs = append(pkgs, pkgInfo{path: fields[0], imports: fields[1:]})
	}
	return pkgs
}

func isStdlib(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".")
}

func relative(path string) (string, bool) {
	if path == module {
		return "", true
	}
	if rest, ok := strings.CutPrefix(path, module+"/"); ok {
		return rest, true
	}
	return "", false
}

// TestImportDirection holds every package's direct imports against
// allowedImports. Tests may wire real adapters together (a compute test
// runs on the embedded graph store), so only non-test imports count here;
// the engine's purity is checked with its tests by TestQoSIsPure.
func TestImportDirection(t *testing.T) {
	pkgs := listPackages(t, `{{.ImportPath}} {{join .Imports " "}}`)
	if len(pkgs) < 10 {
		t.Fatalf("go list found only %d packages", len(pkgs))
	}
	for _, p := range pkgs {
		rel, _ := relative(p.path)
		allowed, ok := allowedImports[rel]
		if !ok {
			t.Errorf("package %q is not in the architecture table (deps_test.go, ARCHITECTURE.md §3)", p.path)
			continue
		}
		if len(allowed) == 1 && allowed[0] == "*" {
			continue
		}
	imports:
		for _, imp := range p.imports {
			if isStdlib(imp) || imp == p.path {
				continue
			}
			impRel, inModule := relative(imp)
			for _, a := range allowed {
				if inModule && impRel == a {
					continue imports
				}
				if !inModule && strings.Contains(a, ".") && strings.HasPrefix(imp, a) {
					continue imports
				}
			}
			t.Errorf("%s imports %s, which ARCHITECTURE.md §3 does not allow", p.path, imp)
		}
	}
}

// TestQoSIsPure proves that the engine and everything it transitively
// depends on, its tests included, is the standard library and the engine's
// own packages (qos/expr, qos/naming), which are held to the same rule.
func TestQoSIsPure(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-test",
		"-f", `{{if not .Standard}}{{.ImportPath}}{{end}}`, "./qos/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	seen := 0
	for _, line := range strings.Split(string(out), "\n") {
		if line == "" {
			continue
		}
		seen++
		path, _, _ := strings.Cut(line, " ") // test variants read "pkg [pkg.test]"
		path = strings.TrimSuffix(strings.TrimSuffix(path, ".test"), "_test")
		if path != module+"/qos" && !strings.HasPrefix(path, module+"/qos/") {
			t.Errorf("qos depends on %s; it may depend on the standard library only", line)
		}
	}
	if seen == 0 {
		t.Fatal("go list -deps did not list qos itself")
	}
}
