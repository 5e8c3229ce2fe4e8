package statetest

import (
	"strings"
	"testing"

	"github.com/depc-dev/depc"
)

// RunAnnotations runs the tests of depc.AnnotationStore against the stores
// open returns (see Run).
func RunAnnotations[S Annotations](t *testing.T, open func(t *testing.T) S) {
	run(t, func(t *testing.T) Annotations { return open(t) }, []subtest[Annotations]{
		{name: "CRUD", fn: testAnnotationsCRUD},
		{name: "Filter", fn: testAnnotationsFilter},
		{name: "Invalid", fn: testAnnotationsInvalid},
		{name: "UnknownTeam", fn: testAnnotationsUnknownTeam},
		{name: "TeamIsolation", fn: testAnnotationsTeamIsolation},
	})
}

func note(label, name string, from, to int64, text string) depc.Annotation {
	return depc.Annotation{Label: label, Name: name, From: from, To: to, Text: text, Author: "alice"}
}

func testAnnotationsCRUD(t *testing.T, s Annotations) {
	createTeam(t, s, "acme")
	if got := get(s.Annotations(ctx, "acme", depc.AnnotationFilter{})).must(t); len(got) != 0 {
		t.Errorf("Annotations of a new team: %v", got)
	}
	in := note("Filer", "filer1", 1000, 2000, "disk replaced ✓")
	// What the store sets is not taken from the caller.
	in.ID, in.CreatedAt, in.UpdatedBy, in.UpdatedAt = 99, 5, "mallory", 6
	a := get(s.CreateAnnotation(ctx, "acme", in)).must(t)
	if a.ID <= 0 || a.CreatedAt <= 0 || a.UpdatedAt != a.CreatedAt || a.UpdatedBy != "" || a.Author != "alice" ||
		a.Label != "Filer" || a.Name != "filer1" || a.From != 1000 || a.To != 2000 || a.Text != "disk replaced ✓" {
		t.Fatalf("CreateAnnotation = %+v", a)
	}
	equal(t, "Annotation", get(s.Annotation(ctx, "acme", a.ID)).must(t), a)
	b := get(s.CreateAnnotation(ctx, "acme", note("Website", "", 1500, 1600, "maintenance of every website"))).must(t)
	if b.ID <= a.ID {
		t.Errorf("second id %d, not after %d", b.ID, a.ID)
	}
	equal(t, "Annotations by from", get(s.Annotations(ctx, "acme", depc.AnnotationFilter{})).must(t), []depc.Annotation{a, b})

	// An update changes what was written and records who, keeping the
	// author.
	up := a
	up.Label, up.Name, up.From, up.To, up.Text = "Apache", "apache1", 1700, 1800, "not the disk: apache1"
	up.Author, up.CreatedAt, up.UpdatedBy = "mallory", 1, "bob"
	got := get(s.UpdateAnnotation(ctx, "acme", up)).must(t)
	want := a
	want.Label, want.Name, want.From, want.To, want.Text = "Apache", "apache1", 1700, 1800, "not the disk: apache1"
	want.UpdatedBy, want.UpdatedAt = "bob", got.UpdatedAt
	equal(t, "UpdateAnnotation", got, want)
	if got.UpdatedAt < a.CreatedAt {
		t.Errorf("UpdatedAt %d before CreatedAt %d", got.UpdatedAt, a.CreatedAt)
	}
	equal(t, "Annotation after update", get(s.Annotation(ctx, "acme", a.ID)).must(t), want)
	equal(t, "Annotations after update", get(s.Annotations(ctx, "acme", depc.AnnotationFilter{})).must(t), []depc.Annotation{b, want})

	mustDo(t, s.DeleteAnnotation(ctx, "acme", a.ID))
	_, err := s.Annotation(ctx, "acme", a.ID)
	wantCode(t, err, depc.ENOTFOUND, "Annotation after delete")
	wantCode(t, s.DeleteAnnotation(ctx, "acme", a.ID), depc.ENOTFOUND, "DeleteAnnotation twice")
	_, err = s.UpdateAnnotation(ctx, "acme", want)
	wantCode(t, err, depc.ENOTFOUND, "UpdateAnnotation of a deleted one")
	equal(t, "Annotations after delete", get(s.Annotations(ctx, "acme", depc.AnnotationFilter{})).must(t), []depc.Annotation{b})

	// Ids are never reused, even after the newest is deleted.
	mustDo(t, s.DeleteAnnotation(ctx, "acme", b.ID))
	c := get(s.CreateAnnotation(ctx, "acme", note("Filer", "filer1", 1, 2, "again"))).must(t)
	if c.ID <= b.ID {
		t.Errorf("id %d reused (the last one was %d)", c.ID, b.ID)
	}
}

func testAnnotationsFilter(t *testing.T, s Annotations) {
	createTeam(t, s, "acme")
	mk := func(a depc.Annotation) depc.Annotation { return get(s.CreateAnnotation(ctx, "acme", a)).must(t) }
	filer1 := mk(note("Filer", "filer1", 100, 200, "filer1"))
	filers := mk(note("Filer", "", 150, 400, "every filer"))
	filer2 := mk(note("Filer", "filer2", 300, 500, "filer2"))
	site := mk(note("Website", "foo.com", 50, 120, "foo.com"))
	long := mk(note("Website", "", 0, depc.MaxAnnotationSpan, "a year"))
	list := func(f depc.AnnotationFilter) []depc.Annotation { return get(s.Annotations(ctx, "acme", f)).must(t) }

	equal(t, "all, by from", list(depc.AnnotationFilter{}), []depc.Annotation{long, site, filer1, filers, filer2})
	equal(t, "limit 2", list(depc.AnnotationFilter{Limit: 2}), []depc.Annotation{long, site})
	equal(t, "label Filer", list(depc.AnnotationFilter{Labels: []string{"Filer"}}), []depc.Annotation{filer1, filers, filer2})
	// A node's notes include those of its label as a whole.
	equal(t, "node filer1", list(depc.AnnotationFilter{Nodes: []depc.NodeKey{{Label: "Filer", Name: "filer1"}}}), []depc.Annotation{filer1, filers})
	equal(t, "nodes filer2 and foo.com", list(depc.AnnotationFilter{Nodes: []depc.NodeKey{{Label: "Filer", Name: "filer2"}, {Label: "Website", Name: "foo.com"}}}),
		[]depc.Annotation{long, site, filers, filer2})
	equal(t, "labels and nodes add up", list(depc.AnnotationFilter{Labels: []string{"Website"}, Nodes: []depc.NodeKey{{Label: "Filer", Name: "filer2"}}}),
		[]depc.Annotation{long, site, filers, filer2})
	equal(t, "unknown node", list(depc.AnnotationFilter{Nodes: []depc.NodeKey{{Label: "Apache", Name: "apache1"}}}), []depc.Annotation(nil))

	// A window keeps what meets [from, to): touching is not meeting.
	equal(t, "window [200, 300)", list(depc.AnnotationFilter{From: 200, To: 300}), []depc.Annotation{long, filers})
	equal(t, "window [120, 151)", list(depc.AnnotationFilter{From: 120, To: 151}), []depc.Annotation{long, filer1, filers})
	equal(t, "window [499, 10000) of Filer", list(depc.AnnotationFilter{Labels: []string{"Filer"}, From: 499, To: 10000}), []depc.Annotation{filer2})
	// The longest range is found from its far end.
	equal(t, "window at the end of a year", list(depc.AnnotationFilter{From: depc.MaxAnnotationSpan - 1, To: depc.MaxAnnotationSpan + 10}), []depc.Annotation{long})
	equal(t, "window after everything", list(depc.AnnotationFilter{From: depc.MaxAnnotationSpan, To: depc.MaxAnnotationSpan + 10}), []depc.Annotation(nil))
}

func testAnnotationsInvalid(t *testing.T, s Annotations) {
	createTeam(t, s, "acme")
	ok := note("Filer", "filer1", 100, 200, "fine")
	for name, change := range map[string]func(a *depc.Annotation){
		"label":       func(a *depc.Annotation) { a.Label = "not a label" },
		"name":        func(a *depc.Annotation) { a.Name = "bad\nname" },
		"empty range": func(a *depc.Annotation) { a.To = a.From },
		"negative":    func(a *depc.Annotation) { a.From, a.To = -10, 10 },
		"span":        func(a *depc.Annotation) { a.To = a.From + depc.MaxAnnotationSpan + 1 },
		"blank text":  func(a *depc.Annotation) { a.Text = " \n\t" },
		"long text":   func(a *depc.Annotation) { a.Text = strings.Repeat("x", depc.MaxAnnotationText+1) },
		"nul":         func(a *depc.Annotation) { a.Text = "a\x00b" },
		"not utf-8":   func(a *depc.Annotation) { a.Text = "a\xffb" },
		"author":      func(a *depc.Annotation) { a.Author = "" },
	} {
		a := ok
		change(&a)
		_, err := s.CreateAnnotation(ctx, "acme", a)
		wantCode(t, err, depc.EINVALID, "CreateAnnotation("+name+")")
	}
	// The longest text is fine.
	long := ok
	long.Text = strings.Repeat("é", depc.MaxAnnotationText/2)
	get(s.CreateAnnotation(ctx, "acme", long)).must(t)
	if got := get(s.Annotations(ctx, "acme", depc.AnnotationFilter{})).must(t); len(got) != 1 {
		t.Fatalf("after refused writes: %d annotations, want 1", len(got))
	}

	a := get(s.CreateAnnotation(ctx, "acme", ok)).must(t)
	bad := a
	bad.UpdatedBy = "bob"
	bad.To = bad.From
	_, err := s.UpdateAnnotation(ctx, "acme", bad)
	wantCode(t, err, depc.EINVALID, "UpdateAnnotation(empty range)")
	bad = a
	bad.Text = "changed"
	bad.UpdatedBy = ""
	_, err = s.UpdateAnnotation(ctx, "acme", bad)
	wantCode(t, err, depc.EINVALID, "UpdateAnnotation(no updated_by)")
	equal(t, "after refused updates", get(s.Annotation(ctx, "acme", a.ID)).must(t), a)

	for name, f := range map[string]depc.AnnotationFilter{
		"label":  {Labels: []string{"not a label"}},
		"node":   {Nodes: []depc.NodeKey{{Label: "Filer"}}},
		"window": {From: 10, To: 5},
	} {
		_, err := s.Annotations(ctx, "acme", f)
		wantCode(t, err, depc.EINVALID, "Annotations("+name+")")
	}
}

func testAnnotationsUnknownTeam(t *testing.T, s Annotations) {
	ok := note("Filer", "filer1", 100, 200, "fine")
	unknownTeam(t, map[string]error{
		"CreateAnnotation":   second(s.CreateAnnotation(ctx, "nope", depc.Annotation{})),
		"Annotation":         second(s.Annotation(ctx, "nope", 1)),
		"UpdateAnnotation":   second(s.UpdateAnnotation(ctx, "nope", ok)),
		"DeleteAnnotation":   s.DeleteAnnotation(ctx, "nope", 1),
		"Annotations":        second(s.Annotations(ctx, "nope", depc.AnnotationFilter{})),
		"Annotations(label)": second(s.Annotations(ctx, "nope", depc.AnnotationFilter{Labels: []string{"not a label"}})),
	})
}

func testAnnotationsTeamIsolation(t *testing.T, s Annotations) {
	createTeam(t, s, "acme")
	createTeam(t, s, "beta")
	a := get(s.CreateAnnotation(ctx, "acme", note("Filer", "filer1", 100, 200, "acme's"))).must(t)
	if got := get(s.Annotations(ctx, "beta", depc.AnnotationFilter{})).must(t); len(got) != 0 {
		t.Errorf("beta sees %v", got)
	}
	_, err := s.Annotation(ctx, "beta", a.ID)
	wantCode(t, err, depc.ENOTFOUND, "Annotation of another team")
	up := a
	up.Text, up.UpdatedBy = "beta's now", "bob"
	_, err = s.UpdateAnnotation(ctx, "beta", up)
	wantCode(t, err, depc.ENOTFOUND, "UpdateAnnotation of another team")
	wantCode(t, s.DeleteAnnotation(ctx, "beta", a.ID), depc.ENOTFOUND, "DeleteAnnotation of another team")
	equal(t, "acme's note after beta's attempts", get(s.Annotation(ctx, "acme", a.ID)).must(t), a)
}
