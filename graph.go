package depc

import (
	"regexp"
	"slices"

	"github.com/depc-dev/depc/qos"
	"github.com/depc-dev/depc/qos/naming"
)

// The rules of the names that enter the graph. They are checked by the
// decoder and the API, and again by any store that puts them in a query.
// Labels and names follow the engine's rules (package qos/naming, which
// the config language shares); teams are depc's own.
const (
	LabelPattern = naming.LabelPattern
	NamePattern  = naming.NamePattern
	MaxLabelLen  = naming.MaxLabelLen
	MaxNameLen   = naming.MaxNameLen
	// TeamRule is TeamPattern without its anchors, for patterns that
	// embed a team name (the consumer's topic pattern).
	TeamRule = `[a-z0-9][a-z0-9_-]{0,62}`
)

// TeamPattern is the pattern of team names.
var TeamPattern = regexp.MustCompile(`^` + TeamRule + `$`)

// ValidLabel reports whether s is a valid node label. It takes bytes too,
// so that a decoder checks a label before it allocates the string.
func ValidLabel[S ~string | ~[]byte](s S) bool { return naming.ValidLabel(s) }

// ValidName reports whether s is a valid node name.
func ValidName[S ~string | ~[]byte](s S) bool { return naming.ValidName(s) }

// ValidTeam reports whether s is a valid team name.
func ValidTeam(s string) bool { return TeamPattern.MatchString(s) }

// CheckLabel answers EINVALID naming field when label is not a node label,
// saying which rule it breaks.
func CheckLabel(field, label string) error {
	if msg := naming.LabelProblem(label); msg != "" {
		return Errorf(EINVALID, "%s: %q %s", field, label, msg)
	}
	return nil
}

// CheckName answers EINVALID naming field when name is not a node name,
// saying which rule it breaks.
func CheckName(field, name string) error {
	if msg := naming.NameProblem(name); msg != "" {
		return Errorf(EINVALID, "%s: %q %s", field, name, msg)
	}
	return nil
}

// CheckTeam answers EINVALID naming field when team is not a team name.
func CheckTeam(field, team string) error {
	if !ValidTeam(team) {
		return Errorf(EINVALID, "%s: %q must match %s", field, team, TeamPattern)
	}
	return nil
}

// Window, Period and Periods are the engine's time types.
type (
	Window  = qos.Window
	Period  = qos.Period
	Periods = qos.Periods
)

// NodeKey identifies a node inside a team.
type NodeKey struct {
	Label string
	Name  string
}

func (k NodeKey) String() string { return k.Label + "/" + k.Name }

// Validate answers EINVALID naming "label" or "name" when k is not a node's
// key.
func (k NodeKey) Validate() error {
	if err := CheckLabel("label", k.Label); err != nil {
		return err
	}
	return CheckName("name", k.Name)
}

// Node is a node with its periods (qos.Always when it has no period
// information).
type Node struct {
	Key     NodeKey
	Periods Periods
}

// EventKind is what a message records about a node or a relation
// (spec/messages.md §3).
type EventKind uint8

const (
	// EventExists declares the node (or relation) without changing its
	// periods.
	EventExists EventKind = iota
	// EventSpan records the closed span [From, To).
	EventSpan
	// EventOpen records an open at From.
	EventOpen
	// EventClose records a close at To.
	EventClose
)

// Event is one fact about a node (Target zero) or about the relation
// Node DEPENDS_ON Target. A relation event implies that both its nodes
// exist; it does not change their periods.
type Event struct {
	Node   NodeKey
	Target NodeKey
	Kind   EventKind
	From   int64
	To     int64
}

// IsRelation reports whether e is about a relation.
func (e Event) IsRelation() bool { return e.Target.Label != "" }

// EventSet is the set of period events of one node or relation. Its periods
// are derived from the set, so they do not depend on arrival order, and
// adding an event twice changes nothing.
type EventSet struct {
	Opens  []int64  // sorted, distinct
	Closes []int64  // sorted, distinct
	Spans  []Period // sorted by (From, To), distinct
}

// Add records e's period event and reports whether the set changed.
// EventExists changes nothing.
func (s *EventSet) Add(e Event) bool {
	switch e.Kind {
	case EventOpen:
		return insertSorted(&s.Opens, e.From)
	case EventClose:
		return insertSorted(&s.Closes, e.To)
	case EventSpan:
		p := Period{From: e.From, To: e.To}
		i, found := slices.BinarySearchFunc(s.Spans, p, comparePeriod)
		if found {
			return false
		}
		s.Spans = slices.Insert(s.Spans, i, p)
		return true
	}
	return false
}

// Merge adds every event of o to s and reports whether s changed.
func (s *EventSet) Merge(o EventSet) bool {
	changed := false
	for _, t := range o.Opens {
		changed = insertSorted(&s.Opens, t) || changed
	}
	for _, t := range o.Closes {
		changed = insertSorted(&s.Closes, t) || changed
	}
	for _, p := range o.Spans {
		changed = s.Add(Event{Kind: EventSpan, From: p.From, To: p.To}) || changed
	}
	return changed
}

// Empty reports whether the set holds no event.
func (s EventSet) Empty() bool { return len(s.Opens)+len(s.Closes)+len(s.Spans) == 0 }

// Periods derives the canonical period set (spec/messages.md §3): the union
// of the spans and of the intervals found by sweeping opens and closes in
// time order, closes before opens at one instant. With no open and no span
// the sweep starts with an interval running since the beginning of time, so
// an empty set gives qos.Always.
func (s EventSet) Periods() Periods {
	ps := make([]Period, 0, len(s.Spans)+len(s.Opens)+1)
	ps = append(ps, s.Spans...)
	running, since := false, int64(0)
	if len(s.Opens) == 0 && len(s.Spans) == 0 {
		running, since = true, qos.NegInf
	}
	i, j := 0, 0
	for i < len(s.Opens) || j < len(s.Closes) {
		if j < len(s.Closes) && (i == len(s.Opens) || s.Closes[j] <= s.Opens[i]) {
			if running {
				ps = append(ps, Period{From: since, To: s.Closes[j]})
				running = false
			}
			j++
			continue
		}
		if !running {
			running, since = true, s.Opens[i]
		}
		i++
	}
	if running {
		ps = append(ps, Period{From: since, To: qos.PosInf})
	}
	return qos.NormalizePeriods(ps)
}

func insertSorted(xs *[]int64, t int64) bool {
	i, found := slices.BinarySearch(*xs, t)
	if found {
		return false
	}
	*xs = slices.Insert(*xs, i, t)
	return true
}

func comparePeriod(a, b Period) int {
	if a.From != b.From {
		if a.From < b.From {
			return -1
		}
		return 1
	}
	if a.To < b.To {
		return -1
	}
	if a.To > b.To {
		return 1
	}
	return 0
}
