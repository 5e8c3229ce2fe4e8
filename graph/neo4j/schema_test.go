package neo4j_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/qos"
	driver "github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// schemaRule is a constraint or an index as SHOW lists it.
type schemaRule struct {
	kind, name string
	labels     []string
}

// schemaRules lists the database's constraints and indexes with a driver
// of their own: the store has no reason to expose its schema.
func schemaRules(t *testing.T) []schemaRule {
	t.Helper()
	cfg := config(t)
	d, err := driver.NewDriverWithContext(cfg.URI, driver.BasicAuth(cfg.User, cfg.Password, ""))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	defer d.Close(ctx)
	var out []schemaRule
	for _, kind := range []string{"CONSTRAINTS", "INDEXES"} {
		res, err := driver.ExecuteQuery(ctx, d, "SHOW "+kind+" YIELD name, labelsOrTypes RETURN name, labelsOrTypes", nil,
			driver.EagerResultTransformer)
		if err != nil {
			t.Fatal(err)
		}
		for _, rec := range res.Records {
			name, _ := rec.Values[0].(string)
			r := schemaRule{kind: kind, name: name}
			ls, _ := rec.Values[1].([]any)
			for _, l := range ls {
				s, _ := l.(string)
				r.labels = append(r.labels, s)
			}
			out = append(out, r)
		}
	}
	return out
}

// TestSchemaConstantAcrossLabels is the regression test of issue 12, repro
// 2: a producer that invents labels must not grow the database's schema.
// The old store created one uniqueness constraint per label (300 labels,
// 300 constraints, a minute of schema changes).
func TestSchemaConstantAcrossLabels(t *testing.T) {
	s := MustOpen(t)
	team := testTeam(t, s)
	ctx := context.Background()
	const labels = 300
	var events []depc.Event
	for i := range labels {
		events = append(events, depc.Event{Node: depc.NodeKey{Label: fmt.Sprintf("L%dx", i), Name: "n"}})
	}
	if err := s.Apply(ctx, team, events); err != nil {
		t.Fatal(err)
	}
	got, err := s.Labels(ctx, team)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != labels {
		t.Fatalf("Labels: %d labels, want %d", len(got), labels)
	}
	var perTeam []string
	for _, r := range schemaRules(t) {
		for _, l := range r.labels {
			if strings.HasPrefix(l, team+"_") || strings.Contains(r.name, team) {
				perTeam = append(perTeam, r.kind+" "+r.name)
				break
			}
		}
	}
	if len(perTeam) > 0 {
		t.Errorf("%d labels created %d schema rules of their own, want none; first: %s",
			labels, len(perTeam), perTeam[0])
	}
}

// TestMigrateOldLayout writes a team in the layout of the old store (one
// Neo4j label per depc label, each with its uniqueness constraint on name,
// no common label) and opens a store on it: the first call migrates it,
// so the team's graph reads as before, writes do not duplicate its nodes,
// and its per-label constraints are gone.
func TestMigrateOldLayout(t *testing.T) {
	cfg := config(t)
	s := MustOpen(t)
	team := testTeam(t, s)
	ctx := context.Background()
	d, err := driver.NewDriverWithContext(cfg.URI, driver.BasicAuth(cfg.User, cfg.Password, ""))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close(ctx) }) // after the cleanups below
	run := func(q string, params map[string]any) {
		t.Helper()
		if _, err := driver.ExecuteQuery(ctx, d, q, params, driver.EagerResultTransformer); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	for _, l := range []string{"Website", "Filer"} {
		run(fmt.Sprintf("CREATE CONSTRAINT `depc_%s_%s_name` IF NOT EXISTS FOR (x:`%[1]s_%[2]s`) REQUIRE x.name IS UNIQUE", team, l), nil)
	}
	t.Cleanup(func() {
		for _, l := range []string{"Website", "Filer"} {
			run(fmt.Sprintf("DROP CONSTRAINT `depc_%s_%s_name` IF EXISTS", team, l), nil)
		}
	})
	run(fmt.Sprintf("CREATE (:`%[1]s_Website` {name: 'w', opens: [10], periods: [10, $inf]})-[:DEPENDS_ON {periods: [20, 30], spans: [20, 30]}]->(:`%[1]s_Filer` {name: 'f'})", team),
		map[string]any{"inf": qos.PosInf})

	// A fresh store migrates at its first call.
	m := MustOpen(t)
	w := depc.NodeKey{Label: "Website", Name: "w"}
	f := depc.NodeKey{Label: "Filer", Name: "f"}
	deps, err := m.Dependencies(ctx, team, w, depc.AtInstant(25))
	if err != nil {
		t.Fatal(err)
	}
	if len(deps) != 1 || deps[0].Node.Key != f || !deps[0].Active {
		t.Fatalf("Dependencies after migration = %+v, want the active filer", deps)
	}
	// A write merges into the migrated entities instead of adding twins.
	if err := m.Apply(ctx, team, []depc.Event{{Node: w, Target: f, Kind: depc.EventSpan, From: 40, To: 50}}); err != nil {
		t.Fatal(err)
	}
	labels, err := m.Labels(ctx, team)
	if err != nil {
		t.Fatal(err)
	}
	if want := []depc.LabelCount{{Label: "Filer", Nodes: 1}, {Label: "Website", Nodes: 1}}; fmt.Sprint(labels) != fmt.Sprint(want) {
		t.Errorf("Labels after a write = %v, want %v", labels, want)
	}
	deps, err = m.Dependencies(ctx, team, w, depc.AtInstant(45))
	if err != nil {
		t.Fatal(err)
	}
	if len(deps) != 1 || !deps[0].Active {
		t.Errorf("Dependencies at 45 = %+v, want the filer, active", deps)
	}
	node, err := m.Node(ctx, team, w)
	if err != nil {
		t.Fatal(err)
	}
	if want := (depc.Period{From: 10, To: qos.PosInf}); len(node.Periods) != 1 || node.Periods[0] != want {
		t.Errorf("Node %v periods %v, want [%v]", w, node.Periods, want)
	}
	for _, r := range schemaRules(t) {
		if strings.Contains(r.name, team) {
			t.Errorf("%s %s survived the migration", r.kind, r.name)
		}
	}
}
