package depc

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"unicode/utf8"
)

// Annotation is a note a team's editor attaches to a node, or to a whole
// label, over a time range: what the team learned during an incident
// ("filer1 replaced at 10:40", "maintenance of the DC"). Timelines, the
// dashboard, root cause and incident reports show it.
type Annotation struct {
	ID int64 `json:"id"`
	// Label and Name are the node annotated; Name is "" for a note on the
	// label as a whole (every node of it).
	Label string `json:"label"`
	Name  string `json:"name"`
	// From and To bound the range [From, To) noted, in Unix seconds.
	From int64  `json:"from"`
	To   int64  `json:"to"`
	Text string `json:"text"`
	// Author wrote the note; CreatedAt is when (Unix seconds).
	Author    string `json:"author"`
	CreatedAt int64  `json:"created_at"`
	// UpdatedBy and UpdatedAt are the last change ("" and CreatedAt until
	// the note is changed).
	UpdatedBy string `json:"updated_by"`
	UpdatedAt int64  `json:"updated_at"`
}

// Limits of annotations: they are human notes, not logs.
const (
	// MaxAnnotationText bounds a note's text, in bytes.
	MaxAnnotationText = 4000
	// MaxAnnotationSpan bounds the range a note covers: a year.
	MaxAnnotationSpan = 366 * 86400
	// MaxAnnotationsListed is the most a listing returns.
	MaxAnnotationsListed = 1000
)

// Key returns the node annotated; its Name is "" for a label's note.
func (a Annotation) Key() NodeKey { return NodeKey{Label: a.Label, Name: a.Name} }

// Validate checks what a writer gives of an annotation: a label, a node
// name or "" (the label as a whole), a non-empty range of at most
// MaxAnnotationSpan, a text of valid UTF-8 that is not blank and at most
// MaxAnnotationText bytes, and the author. EINVALID names the field.
func (a Annotation) Validate() error {
	switch {
	case !ValidLabel(a.Label):
		return Errorf(EINVALID, "label: %q must match %s", a.Label, LabelPattern)
	case a.Name != "" && !ValidName(a.Name):
		return Errorf(EINVALID, "name: %q must match %s (or be empty for the whole label)", a.Name, NamePattern)
	case a.From < 0:
		return Errorf(EINVALID, "from: %d is before 1970", a.From)
	case a.To <= a.From:
		return Errorf(EINVALID, "to: %d is not after from (%d)", a.To, a.From)
	case a.To-a.From > MaxAnnotationSpan:
		return Errorf(EINVALID, "to: the range is longer than %d days", MaxAnnotationSpan/86400)
	case !utf8.ValidString(a.Text) || strings.ContainsRune(a.Text, 0):
		return Errorf(EINVALID, "text: must be UTF-8 text without NUL")
	case strings.TrimSpace(a.Text) == "":
		return Errorf(EINVALID, "text: required")
	case len(a.Text) > MaxAnnotationText:
		return Errorf(EINVALID, "text: %d bytes, at most %d", len(a.Text), MaxAnnotationText)
	}
	return CheckUser("author", a.Author)
}

// AnnotationFilter selects a team's annotations. Labels and Nodes add up:
// an annotation is kept when it matches either; when both are empty, every
// annotation of the team matches. With To > From, only the annotations
// whose range meets [From, To) are kept.
type AnnotationFilter struct {
	// Labels keeps the annotations of these labels: on the label as a
	// whole and on any node of it.
	Labels []string
	// Nodes keeps the annotations of these nodes, and those of their
	// labels as a whole (a note on every Filer concerns filer1).
	Nodes    []NodeKey
	From, To int64
	// Limit bounds the list (MaxAnnotationsListed when <= 0 or above).
	Limit int
}

// Validate checks a filter: valid labels and node keys, a window From <=
// To (both 0: any time). EINVALID names the field.
func (f AnnotationFilter) Validate() error {
	for i, l := range f.Labels {
		if !ValidLabel(l) {
			return Errorf(EINVALID, "labels[%d]: %q must match %s", i, l, LabelPattern)
		}
	}
	for i, k := range f.Nodes {
		if !ValidLabel(k.Label) || !ValidName(k.Name) {
			return Errorf(EINVALID, "nodes[%d]: %s is not a node key", i, k)
		}
	}
	if f.To < f.From {
		return Errorf(EINVALID, "to: %d is before from (%d)", f.To, f.From)
	}
	return nil
}

// Matcher returns the test of f: whether an annotation is selected (its
// window excepted, which stores apply in their query: Overlaps).
func (f AnnotationFilter) Matcher() func(Annotation) bool {
	if len(f.Labels) == 0 && len(f.Nodes) == 0 {
		return func(Annotation) bool { return true }
	}
	labels := make(map[string]bool, len(f.Labels)+len(f.Nodes))
	for _, l := range f.Labels {
		labels[l] = true
	}
	nodes := make(map[NodeKey]bool, len(f.Nodes))
	whole := make(map[string]bool, len(f.Nodes))
	for _, k := range f.Nodes {
		nodes[k] = true
		whole[k.Label] = true
	}
	return func(a Annotation) bool {
		return labels[a.Label] || nodes[a.Key()] || (a.Name == "" && whole[a.Label])
	}
}

// Overlaps reports whether a's range meets the filter's window (always
// when the filter has none).
func (f AnnotationFilter) Overlaps(a Annotation) bool {
	return f.To <= f.From || (a.From < f.To && a.To > f.From)
}

// Max returns how many annotations a listing of f returns at most.
func (f AnnotationFilter) Max() int {
	if f.Limit <= 0 || f.Limit > MaxAnnotationsListed {
		return MaxAnnotationsListed
	}
	return f.Limit
}

// CompareAnnotations is the order of listings: by From, then To, then ID.
func CompareAnnotations(a, b Annotation) int {
	return cmp.Or(cmp.Compare(a.From, b.From), cmp.Compare(a.To, b.To), cmp.Compare(a.ID, b.ID))
}

// SelectAnnotations keeps what f selects of as (its window included),
// sorted by CompareAnnotations, at most f.Max(): the one selection of
// every store, which reads a team's annotations of the window and hands
// them here.
func SelectAnnotations(as []Annotation, f AnnotationFilter) []Annotation {
	match := f.Matcher()
	var out []Annotation
	for _, a := range as {
		if f.Overlaps(a) && match(a) {
			out = append(out, a)
		}
	}
	slices.SortFunc(out, CompareAnnotations)
	if n := f.Max(); len(out) > n {
		out = out[:n]
	}
	return out
}

// AnnotationStore keeps the teams' annotations.
//
// The conventions of StateStore hold for every method; an annotation that
// does not exist (or belongs to another team) is ENOTFOUND, naming its id.
type AnnotationStore interface {
	// CreateAnnotation records a new annotation (Annotation.Validate):
	// the store sets its ID (never reused), CreatedAt and UpdatedAt to
	// now, and UpdatedBy to "". ID, CreatedAt, UpdatedBy and UpdatedAt of
	// a are ignored.
	CreateAnnotation(ctx context.Context, team string, a Annotation) (Annotation, error)
	// Annotation returns one annotation.
	Annotation(ctx context.Context, team string, id int64) (Annotation, error)
	// UpdateAnnotation changes the label, name, range and text of the
	// annotation a.ID (Annotation.Validate, with its Author kept) and
	// records a.UpdatedBy (a user, required) and now as its last change.
	UpdateAnnotation(ctx context.Context, team string, a Annotation) (Annotation, error)
	// DeleteAnnotation removes one annotation.
	DeleteAnnotation(ctx context.Context, team string, id int64) error
	// Annotations returns what the filter selects (SelectAnnotations).
	// EINVALID for a bad filter (AnnotationFilter.Validate).
	Annotations(ctx context.Context, team string, f AnnotationFilter) ([]Annotation, error)
}

// NotFoundAnnotation is the ENOTFOUND of an annotation.
func NotFoundAnnotation(id int64) error {
	return Errorf(ENOTFOUND, "annotation %d not found", id)
}
