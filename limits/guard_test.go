package limits_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/graph/graphtest/memgraph"
	"github.com/depc-dev/depc/limits"
)

var ctx = context.Background()

// overrides is a Store of fixed overrides.
type overrides map[string]depc.Limits

func (o overrides) TeamLimits(_ context.Context, team string) (depc.Limits, error) {
	return o[team], nil
}

// countingGraph counts the lookups of nodes.
type countingGraph struct {
	*memgraph.Store
	lookups atomic.Int64
}

func (g *countingGraph) Node(ctx context.Context, team string, k depc.NodeKey) (depc.Node, error) {
	g.lookups.Add(1)
	return g.Store.Node(ctx, team, k)
}

// clock is a settable clock.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func node(label, name string) depc.NodeKey { return depc.NodeKey{Label: label, Name: name} }

// msg is a message declaring a relation from a to b.
func msg(a, b depc.NodeKey) []depc.Event { return []depc.Event{{Node: a, Target: b}} }

func codes(errs []error) string {
	var out []string
	for _, e := range errs {
		out = append(out, depc.ErrorCode(e))
	}
	return strings.Join(out, ",")
}

func TestLimitsOverDefaults(t *testing.T) {
	g := limits.New(depc.Limits{Labels: 10, Nodes: 100, MessageBytes: 1000, MessagesPerSecond: 5},
		overrides{"big": {Nodes: 1000, MessagesPerSecond: 50}}, memgraph.New(), limits.Options{})
	got, err := g.Limits(ctx, "big")
	if err != nil {
		t.Fatal(err)
	}
	if want := (depc.Limits{Labels: 10, Nodes: 1000, MessageBytes: 1000, MessagesPerSecond: 50}); got != want {
		t.Errorf("Limits(big) = %+v, want %+v", got, want)
	}
	if got, _ := g.Limits(ctx, "small"); got != g.Defaults() {
		t.Errorf("Limits(small) = %+v, want the defaults", got)
	}
}

func TestCheckSize(t *testing.T) {
	l := depc.Limits{MessageBytes: 100}
	if err := limits.CheckSize("acme", l, 100); err != nil {
		t.Errorf("100 bytes: %v", err)
	}
	err := limits.CheckSize("acme", l, 101)
	if depc.ErrorCode(err) != depc.ETOOLARGE || !strings.Contains(err.Error(), "100 bytes") || !strings.Contains(err.Error(), "limits.message_bytes") {
		t.Errorf("101 bytes: %v, want too_large naming the limit", err)
	}
	if err := limits.CheckSize("acme", depc.Limits{}, 1<<20); err != nil {
		t.Errorf("no limit: %v", err)
	}
}

// TestTake: a bucket of one second's messages, which may go into debt;
// the debt is paid at the rate.
func TestTake(t *testing.T) {
	c := &clock{t: time.Unix(1000, 0)}
	g := limits.New(depc.Limits{}, overrides{}, memgraph.New(), limits.Options{Now: c.now})
	l := depc.Limits{MessagesPerSecond: 10}
	if w := g.Take("acme", l, 25); w != 0 {
		t.Fatalf("first take of 25 (bucket full): wait %v, want admitted", w)
	}
	// 15 in debt: 1.6 s until one message is there again.
	if w := g.Take("acme", l, 1); w != 1600*time.Millisecond {
		t.Errorf("take in debt: wait %v, want 1.6s", w)
	}
	if w := g.Take("other", l, 5); w != 0 {
		t.Errorf("another team waits for acme's debt: %v", w)
	}
	c.t = c.t.Add(1600 * time.Millisecond)
	if w := g.Take("acme", l, 1); w != 0 {
		t.Errorf("take after the debt was paid: wait %v", w)
	}
	if w := g.Take("acme", depc.Limits{}, 1_000_000); w != 0 {
		t.Errorf("no rate limit: wait %v", w)
	}
	err := limits.RateError("acme", l, 1600*time.Millisecond)
	if depc.ErrorCode(err) != depc.ELIMIT || !strings.Contains(err.Error(), "10 messages per second") || !strings.Contains(err.Error(), "retry in 3s") {
		t.Errorf("RateError: %v", err)
	}
}

// TestAdmitLabels: a message that would add a label beyond the limit is
// rejected, naming it; messages about labels the team has go on.
func TestAdmitLabels(t *testing.T) {
	store := memgraph.New()
	g := limits.New(depc.Limits{}, overrides{}, store, limits.Options{})
	l := depc.Limits{Labels: 3}
	if err := store.Apply(ctx, "acme", msg(node("A", "a"), node("B", "b"))); err != nil {
		t.Fatal(err)
	}
	errs, _, err := g.Admit(ctx, "acme", l, [][]depc.Event{
		msg(node("A", "a2"), node("C", "c")), // the third label
		msg(node("D", "d"), node("A", "a")),  // a fourth
		msg(node("C", "c2"), node("B", "b")), // labels it has
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := codes(errs); got != ",limit," {
		t.Fatalf("errors %v, want the second message over the label limit", errs)
	}
	if msg := errs[1].Error(); !strings.Contains(msg, "at most 3 labels") || !strings.Contains(msg, "label D") || !strings.Contains(msg, "limits.labels") {
		t.Errorf("error %q does not name the limit and the label", msg)
	}
	// Another team is not affected.
	errs, _, _ = g.Admit(ctx, "other", l, [][]depc.Event{msg(node("X", "x"), node("Y", "y")), msg(node("Z", "z"), node("X", "x"))})
	if got := codes(errs); got != "," {
		t.Errorf("other team: %v", errs)
	}
}

// TestAdmitNodes: at its node limit a team may still update its nodes,
// but not add one; the lookups happen only near the limit.
func TestAdmitNodes(t *testing.T) {
	store := &countingGraph{Store: memgraph.New()}
	g := limits.New(depc.Limits{}, overrides{}, store, limits.Options{})
	l := depc.Limits{Nodes: 10}
	var first []depc.Event
	for i := range 4 {
		first = append(first, msg(node("A", fmt.Sprint("a", i)), node("B", fmt.Sprint("b", i)))...)
	}
	if err := store.Apply(ctx, "acme", first); err != nil {
		t.Fatal(err)
	}
	// 8 nodes: a message about 2 nodes fits without looking anything up.
	errs, written, err := g.Admit(ctx, "acme", l, [][]depc.Event{msg(node("A", "a0"), node("B", "b0"))})
	if err != nil || codes(errs) != "" {
		t.Fatalf("Admit far from the limit: %v, %v", errs, err)
	}
	written() // nothing new to write: the nodes exist
	if n := store.lookups.Load(); n != 0 {
		t.Errorf("%d node lookups far from the limit, want 0", n)
	}
	errs, _, err = g.Admit(ctx, "acme", l, [][]depc.Event{
		msg(node("A", "a1"), node("B", "b1")), // existing nodes
		msg(node("A", "a9"), node("B", "b9")), // two new: 10
		msg(node("A", "a1"), node("C", "c1")), // a new one: 11
		msg(node("B", "b9"), node("A", "a3")), // existing, b9 admitted above
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := codes(errs); got != ",,limit," {
		t.Fatalf("errors %v, want the third message over the node limit", errs)
	}
	if msg := errs[2].Error(); !strings.Contains(msg, "at most 10 nodes") || !strings.Contains(msg, "C/c1") {
		t.Errorf("error %q does not name the limit and the node", msg)
	}
	if store.lookups.Load() == 0 {
		t.Error("no node looked up at the limit")
	}
}

// TestAdmitRefresh: usage is read again after the TTL, so nodes deleted
// meanwhile free room.
func TestAdmitRefresh(t *testing.T) {
	c := &clock{t: time.Unix(1000, 0)}
	store := memgraph.New()
	g := limits.New(depc.Limits{}, overrides{}, store, limits.Options{Now: c.now, TTL: time.Minute})
	l := depc.Limits{Nodes: 2}
	if err := store.Apply(ctx, "acme", msg(node("A", "a"), node("B", "b"))); err != nil {
		t.Fatal(err)
	}
	if errs, _, _ := g.Admit(ctx, "acme", l, [][]depc.Event{msg(node("A", "a"), node("C", "c"))}); codes(errs) != "limit" {
		t.Fatalf("a third node admitted: %v", errs)
	}
	if err := store.DeleteNode(ctx, "acme", node("B", "b")); err != nil {
		t.Fatal(err)
	}
	c.t = c.t.Add(time.Minute)
	if errs, _, _ := g.Admit(ctx, "acme", l, [][]depc.Event{msg(node("A", "a"), node("C", "c"))}); codes(errs) != "" {
		t.Fatalf("room freed by a deletion not seen after the TTL: %v", errs)
	}
}

// TestAdmitPending: what was admitted but not yet written counts on top of
// what the graph store says, until written is called.
func TestAdmitPending(t *testing.T) {
	c := &clock{t: time.Unix(1000, 0)}
	store := memgraph.New()
	g := limits.New(depc.Limits{}, overrides{}, store, limits.Options{Now: c.now, TTL: time.Minute})
	l := depc.Limits{Nodes: 3}
	first := [][]depc.Event{msg(node("A", "a"), node("B", "b"))}
	errs, written, err := g.Admit(ctx, "acme", l, first)
	if err != nil || codes(errs) != "" {
		t.Fatal(errs, err)
	}
	// Not written yet, and the usage is read again: a and b still count.
	c.t = c.t.Add(time.Minute - time.Second)
	g.Forget("acme")
	if errs, _, _ := g.Admit(ctx, "acme", l, [][]depc.Event{msg(node("C", "c"), node("D", "d"))}); codes(errs) != "limit" {
		t.Fatalf("admitted beyond the limit while the first admission was pending: %v", errs)
	}
	if err := store.Apply(ctx, "acme", first[0]); err != nil {
		t.Fatal(err)
	}
	written()
	g.Forget("acme")
	if errs, _, _ := g.Admit(ctx, "acme", l, [][]depc.Event{msg(node("A", "a"), node("C", "c"))}); codes(errs) != "" {
		t.Fatalf("a written admission counted twice: %v", errs)
	}
}
