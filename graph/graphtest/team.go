package graphtest

import (
	"slices"
	"testing"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/qos"
)

// testDeleteTeam: a team's deletion removes its nodes and relations and
// nothing of a team whose name it prefixes; deleting again, or a team
// without a graph, is no error; the name can be used again from scratch.
func testDeleteTeam(t *testing.T, h *harness) {
	s := h.store(t)
	a := h.team()
	b := a + "x"
	w, f := key("Website", "w"), key("Filer", "f")
	mustApply(t, s, a, onRel(w, f, open(5)), onNode(key("Apache", "x")))
	mustApply(t, s, b, onRel(w, f))
	if err := s.DeleteTeam(ctx(), a); err != nil {
		t.Fatalf("DeleteTeam: %v", err)
	}
	if l, err := s.Labels(ctx(), a); err != nil || len(l) != 0 {
		t.Errorf("Labels after DeleteTeam = %v, %v; want none", l, err)
	}
	_, err := s.Node(ctx(), a, w)
	wantCode(t, "Node after DeleteTeam", err, depc.ENOTFOUND)
	if deps, err := s.Dependencies(ctx(), b, w, anyTime); err != nil || len(deps) != 1 {
		t.Errorf("the other team's relation: %v, %v", deps, err)
	}
	if err := s.DeleteTeam(ctx(), a); err != nil {
		t.Errorf("DeleteTeam again: %v", err)
	}
	if err := s.DeleteTeam(ctx(), h.team()); err != nil {
		t.Errorf("DeleteTeam of a team without a graph: %v", err)
	}
	wantCode(t, "DeleteTeam of a bad name", s.DeleteTeam(ctx(), "Not A Team"), depc.EINVALID)
	// The name starts afresh: old events do not come back.
	mustApply(t, s, a, onNode(w, open(9)))
	checkPeriods(t, "w of the new team", mustNode(t, s, a, w).Periods, ps(9, inf))
	if deps, err := s.Dependencies(ctx(), a, w, anyTime); err != nil || len(deps) != 0 {
		t.Errorf("the new team's w has %v, %v; want no relation", deps, err)
	}
	mustDo(t, s.DeleteTeam(ctx(), a))
	mustDo(t, s.DeleteTeam(ctx(), b))
}

// testRenameTeam: a renamed team's graph is whole under its new name and
// gone from the old; a name with a graph cannot be taken.
func testRenameTeam(t *testing.T, h *harness) {
	s := h.store(t)
	a, c := h.team(), h.team()
	b := a + "x"
	w, f, g := key("Website", "w"), key("Filer", "f"), key("Filer", "g")
	mustApply(t, s, a, onRel(w, f, open(5)), onRel(w, g, span(1, 3)), onNode(key("Apache", "x"), closeAt(8)))
	mustApply(t, s, c, onNode(w))
	wantCode(t, "RenameTeam onto a team with a graph", s.RenameTeam(ctx(), a, c), depc.ECONFLICT)
	wantCode(t, "RenameTeam to a bad name", s.RenameTeam(ctx(), a, "Bad Name"), depc.EINVALID)
	if err := s.RenameTeam(ctx(), a, b); err != nil {
		t.Fatalf("RenameTeam: %v", err)
	}
	if l, err := s.Labels(ctx(), a); err != nil || len(l) != 0 {
		t.Errorf("Labels of the old name = %v, %v; want none", l, err)
	}
	lb, err := s.Labels(ctx(), b)
	if want := []depc.LabelCount{{Label: "Apache", Nodes: 1}, {Label: "Filer", Nodes: 2}, {Label: "Website", Nodes: 1}}; err != nil || !slices.Equal(lb, want) {
		t.Errorf("Labels of the new name = %v, %v; want %v", lb, err, want)
	}
	checkPeriods(t, "x under the new name", mustNode(t, s, b, key("Apache", "x")).Periods, ps(qos.NegInf, 8))
	deps, err := s.Dependencies(ctx(), b, w, anyTime)
	if err != nil || len(deps) != 2 {
		t.Fatalf("Dependencies under the new name = %v, %v", deps, err)
	}
	if got := impacted(t, s, b, f, "Website", 6); !slices.Equal(got, []depc.NodeKey{w}) {
		t.Errorf("Impacted under the new name = %v", got)
	}
	if names, _, err := s.Nodes(ctx(), b, "Filer", "", 10, ""); err != nil || !slices.Equal(names, []string{"f", "g"}) {
		t.Errorf("Nodes under the new name = %v, %v", names, err)
	}
	// Writes go on under the new name; the old one is empty and free.
	mustApply(t, s, b, onRel(w, key("Filer", "h")))
	mustApply(t, s, a, onNode(key("Apache", "y")))
	if l, _ := s.Labels(ctx(), a); len(l) != 1 {
		t.Errorf("the old name, used again: %v", l)
	}
	if err := s.RenameTeam(ctx(), h.team(), h.team()); err != nil {
		t.Errorf("RenameTeam of a team without a graph: %v", err)
	}
	for _, tm := range []string{a, b, c} {
		mustDo(t, s.DeleteTeam(ctx(), tm))
	}
}

func mustDo(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
