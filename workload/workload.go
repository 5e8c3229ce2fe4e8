package workload

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/depc-dev/depc"
)

// Label is one kind of node of a workload: how many nodes it has, how a
// team would configure its QoS, and what its nodes depend on.
type Label struct {
	Name  string
	Count int
	// QoS is the label's config expression (rule.X, operation.…,
	// aggregation.…), as a team would save it.
	QoS string
	// DependsOn lists the labels this label's nodes depend on.
	DependsOn []Dependency
}

// Dependency says how the nodes of a label depend on the nodes of Label.
type Dependency struct {
	Label string
	// PerNode is the number of distinct nodes of Label each node depends
	// on. Zero means "its share": every node of Label gets exactly one
	// parent of this label, so the parents split Label's nodes evenly.
	PerNode int
}

// Size is a named workload: a team's graph shape and the days it is
// benchmarked on. Generating a Size always gives the same events.
type Size struct {
	Name string
	// Labels in dependency order: a label depends only on labels listed
	// before it.
	Labels []Label
	// Start is the first benchmark day (UTC midnight); Days their number.
	Start int64
	Days  int
	// Seed makes the choice of children and of changing periods.
	Seed uint64
	// Changes is the fraction of relations whose periods change during the
	// benchmark days: half end there (a close), half exist only there (a
	// span). Every other relation opens before the first day and stays.
	Changes float64
	// NodeChanges is the fraction of nodes that appear during the days
	// (an open inside them). Every other node has no period event.
	NodeChanges float64
}

// start is Monday 2025-01-06 00:00:00 UTC.
const start = 1736121600

// Day is 86 400 seconds: the benchmark days are UTC days.
const Day = 86400

// The web-hosting shape of the original DepC tutorial, at any scale:
// Offers aggregate Customers, who need most of their Websites, which need
// a Filer and an Apache server, both watched by probes.
func hosting(name string, filers, apaches, websites, customers, perCustomer, offers int, changes, nodeChanges float64) Size {
	return Size{
		Name: name,
		Labels: []Label{
			{Name: "Filer", Count: filers, QoS: "rule.Filer"},
			{Name: "Apache", Count: apaches, QoS: "rule.Apache"},
			{Name: "Website", Count: websites, QoS: "operation.AND[Filer, Apache]",
				DependsOn: []Dependency{{Label: "Filer", PerNode: 1}, {Label: "Apache", PerNode: 1}}},
			{Name: "Customer", Count: customers, QoS: fmt.Sprintf("operation.ATLEAST(%d)[Website]", max(1, perCustomer*8/10)),
				DependsOn: []Dependency{{Label: "Website", PerNode: perCustomer}}},
			{Name: "Offer", Count: offers, QoS: "aggregation.AVERAGE[Customer]",
				DependsOn: []Dependency{{Label: "Customer"}}},
		},
		Start:       start,
		Days:        7,
		Seed:        uint64(len(name))*0x9e3779b97f4a7c15 + 20250106,
		Changes:     changes,
		NodeChanges: nodeChanges,
	}
}

var sizes = []Size{
	hosting("tiny", 2, 2, 10, 4, 3, 2, 0.2, 0.1),
	hosting("small", 100, 100, 10_000, 1_000, 10, 10, 0.05, 0.01),
	hosting("bench-100k", 1_000, 1_000, 100_000, 10_000, 10, 10, 0.01, 0.001),
	hosting("bench-1m", 10_000, 10_000, 1_000_000, 100_000, 10, 10, 0.01, 0.001),
	// Ten times bench-1m: what one machine must still hold and compute
	// (issue 16). Its Offers aggregate 100 000 Customers each.
	hosting("bench-10m", 100_000, 100_000, 10_000_000, 1_000_000, 10, 10, 0.01, 0.001),
}

// Sizes returns every named size, smallest first.
func Sizes() []Size {
	out := make([]Size, len(sizes))
	for i, s := range sizes {
		out[i] = s.clone()
	}
	return out
}

// Lookup returns the size of that name, or EINVALID naming the known ones.
func Lookup(name string) (Size, error) {
	var names []string
	for _, s := range sizes {
		if s.Name == name {
			return s.clone(), nil
		}
		names = append(names, s.Name)
	}
	return Size{}, depc.Errorf(depc.EINVALID, "size: unknown workload %q (known: %s)", name, strings.Join(names, ", "))
}

func (s Size) clone() Size {
	labels := make([]Label, len(s.Labels))
	for i, l := range s.Labels {
		l.DependsOn = append([]Dependency(nil), l.DependsOn...)
		labels[i] = l
	}
	s.Labels = labels
	return s
}

// Window returns the benchmark days as one window.
func (s Size) Window() depc.Window {
	return depc.Window{Start: s.Start, End: s.Start + int64(s.Days)*Day}
}

// DayWindow returns benchmark day i (from 0).
func (s Size) DayWindow(i int) depc.Window {
	from := s.Start + int64(i)*Day
	return depc.Window{Start: from, End: from + Day}
}

// Config returns each label's QoS expression, as a team's config holds it.
func (s Size) Config() map[string]string {
	out := make(map[string]string, len(s.Labels))
	for _, l := range s.Labels {
		out[l.Name] = l.QoS
	}
	return out
}

// LabelNames returns the labels in dependency order.
func (s Size) LabelNames() []string {
	out := make([]string, len(s.Labels))
	for i, l := range s.Labels {
		out[i] = l.Name
	}
	return out
}

// Nodes returns the number of nodes of the size.
func (s Size) Nodes() int {
	n := 0
	for _, l := range s.Labels {
		n += l.Count
	}
	return n
}

// Relations returns the number of relations of the size.
func (s Size) Relations() int {
	n := 0
	for _, l := range s.Labels {
		for _, d := range l.DependsOn {
			if d.PerNode == 0 {
				n += s.label(d.Label).Count
			} else {
				n += l.Count * min(d.PerNode, s.label(d.Label).Count)
			}
		}
	}
	return n
}

// NodeName returns the name of node i (from 0) of a label: the label in
// lower case and the index, zero-padded to the width of the label's count,
// so that names sort like indexes.
func (s Size) NodeName(label string, i int) string {
	return newNamer(label, s.label(label).Count).name(i)
}

// namer builds the names of one label's nodes without fmt: the generator
// makes millions of them.
type namer struct {
	prefix string
	width  int
}

func newNamer(label string, count int) namer {
	return namer{prefix: strings.ToLower(label) + "-", width: len(strconv.Itoa(max(count-1, 0)))}
}

func (n namer) name(i int) string {
	digits := strconv.Itoa(i)
	var b strings.Builder
	b.Grow(len(n.prefix) + max(n.width, len(digits)))
	b.WriteString(n.prefix)
	for range n.width - len(digits) {
		b.WriteByte('0')
	}
	b.WriteString(digits)
	return b.String()
}

func (s Size) label(name string) *Label {
	for i := range s.Labels {
		if s.Labels[i].Name == name {
			return &s.Labels[i]
		}
	}
	return nil
}

// Validate checks that the size can be generated.
func (s Size) Validate() error {
	if s.Days < 1 {
		return depc.Errorf(depc.EINVALID, "days: %d is below 1", s.Days)
	}
	if s.Start < 0 {
		return depc.Errorf(depc.EINVALID, "start: %d is negative", s.Start)
	}
	if s.Changes < 0 || s.Changes > 1 || s.NodeChanges < 0 || s.NodeChanges > 1 {
		return depc.Errorf(depc.EINVALID, "changes: fractions must lie in [0, 1]")
	}
	seen := map[string]bool{}
	for _, l := range s.Labels {
		if !depc.ValidLabel(l.Name) {
			return depc.Errorf(depc.EINVALID, "labels: %q is not a valid label", l.Name)
		}
		if seen[l.Name] {
			return depc.Errorf(depc.EINVALID, "labels: %s listed twice", l.Name)
		}
		if l.Count < 1 {
			return depc.Errorf(depc.EINVALID, "labels: %s has %d nodes", l.Name, l.Count)
		}
		for _, d := range l.DependsOn {
			if !seen[d.Label] {
				return depc.Errorf(depc.EINVALID, "labels: %s depends on %s, which is not listed before it", l.Name, d.Label)
			}
			if d.PerNode < 0 {
				return depc.Errorf(depc.EINVALID, "labels: %s depends on %d nodes of %s", l.Name, d.PerNode, d.Label)
			}
		}
		seen[l.Name] = true
	}
	return nil
}
