package graphtest

import (
	"testing"

	"github.com/depc-dev/depc"
)

// testGraphVersion: a store that offers depc.GraphVersioner gives a team's
// graph a new version at every write of it, to a value the team never had,
// and keeps it while nothing writes the team (whatever other teams do).
func testGraphVersion(t *testing.T, h *harness) {
	s := h.store(t)
	gv, ok := s.(depc.GraphVersioner)
	if !ok {
		t.Skip("the store does not offer depc.GraphVersioner: a computation reads the graph again for every day")
	}
	a, other := h.team(), h.team()
	b := a + "x"
	w, f := key("Website", "w"), key("Filer", "f")
	version := func(team string) int64 {
		t.Helper()
		v, err := gv.GraphVersion(ctx(), team)
		if err != nil {
			t.Fatalf("GraphVersion(%s): %v", team, err)
		}
		return v
	}
	seen := map[[2]any]string{} // (team, version) -> what gave it
	changed := func(team, what string, before int64) int64 {
		t.Helper()
		v := version(team)
		if v == before {
			t.Errorf("%s: version of %s stayed %d", what, team, v)
		}
		if prev, ok := seen[[2]any{team, v}]; ok {
			t.Errorf("%s: version of %s is %d again, as after %s", what, team, v, prev)
		}
		seen[[2]any{team, v}] = what
		return v
	}
	same := func(team, what string, want int64) {
		t.Helper()
		if v := version(team); v != want {
			t.Errorf("%s: version of %s = %d, want %d (unchanged)", what, team, v, want)
		}
	}

	if v := version(a); v != 0 {
		t.Errorf("version of a team never written = %d, want 0", v)
	}
	mustApply(t, s, a, onRel(w, f, open(5)))
	v := changed(a, "the first Apply", 0)
	same(a, "read again", v)
	mustApply(t, s, other, onNode(w, open(1)))
	same(a, "another team's Apply", v)
	mustApply(t, s, a, onNode(w, closeAt(9)))
	v = changed(a, "an Apply", v)
	wantCode(t, "an invalid Apply", s.Apply(ctx(), a, onNode(w, span(5, 2))), depc.EINVALID)
	same(a, "an invalid Apply", v)
	if err := s.Apply(ctx(), a, nil); err != nil {
		t.Fatalf("empty Apply: %v", err)
	}
	same(a, "an empty Apply", v)
	var snap collector
	if err := s.Snapshot(ctx(), a, depc.Window{Start: 0, End: 100}, nil, &snap); err != nil {
		t.Fatalf("Snapshot: %v", err)
	}
	same(a, "a snapshot", v)
	mustDo(t, s.DeleteNode(ctx(), a, f))
	v = changed(a, "DeleteNode", v)
	mustDo(t, s.DeleteTeam(ctx(), a))
	v = changed(a, "DeleteTeam", v)
	mustApply(t, s, a, onNode(w, open(5)))
	v = changed(a, "an Apply after DeleteTeam", v)
	if version(b) != 0 {
		t.Fatalf("version of %s, never written, is not 0", b)
	}
	mustDo(t, s.RenameTeam(ctx(), a, b))
	changed(a, "RenameTeam away", v)
	vb := changed(b, "RenameTeam onto it", 0)
	mustApply(t, s, b, onNode(f))
	changed(b, "an Apply after RenameTeam", vb)
	wantCode(t, "GraphVersion of a bad name", func() error { _, err := gv.GraphVersion(ctx(), "Not A Team"); return err }(), depc.EINVALID)
	mustDo(t, s.DeleteTeam(ctx(), b))
	mustDo(t, s.DeleteTeam(ctx(), other))
}
