package statetest

import (
	"strings"
	"testing"

	"github.com/depc-dev/depc"
)

// RunNews runs the tests of depc.NewsStore against the stores open returns
// (see Run).
func RunNews[S News](t *testing.T, open func(t *testing.T) S) {
	run(t, func(t *testing.T) News { return open(t) }, []subtest[News]{
		{name: "CRUD", fn: testNewsCRUD},
		{name: "Invalid", fn: testNewsInvalid},
	})
}

// testNewsCRUD: news is created with an id and times, listed newest first
// within the limit, changed (its author and creation stay) and deleted.
func testNewsCRUD(t *testing.T, s News) {
	if got := get(s.ListNews(ctx, 0)).must(t); got == nil || len(got) != 0 {
		t.Errorf("ListNews of an empty store = %#v, want an empty list", got)
	}
	a := get(s.CreateNews(ctx, depc.News{Title: "Upgrade", Text: "Saturday 10:00 UTC", Author: "admin"})).must(t)
	b := get(s.CreateNews(ctx, depc.News{Title: "Late run", Text: "The run of the 3rd was late.", Author: "root"})).must(t)
	if a.ID <= 0 || b.ID <= a.ID || a.CreatedAt <= 0 || a.UpdatedAt != a.CreatedAt {
		t.Errorf("created %+v then %+v", a, b)
	}
	if got := get(s.News(ctx, a.ID)).must(t); got != a {
		t.Errorf("News(%d) = %+v, want %+v", a.ID, got, a)
	}
	list := get(s.ListNews(ctx, 0)).must(t)
	if len(list) != 2 || list[0] != b || list[1] != a {
		t.Errorf("ListNews = %+v, want b then a", list)
	}
	if list := get(s.ListNews(ctx, 1)).must(t); len(list) != 1 || list[0] != b {
		t.Errorf("ListNews(1) = %+v", list)
	}
	u := get(s.UpdateNews(ctx, depc.News{ID: a.ID, Title: "Upgrade moved", Text: "Sunday"})).must(t)
	if u.ID != a.ID || u.Title != "Upgrade moved" || u.Text != "Sunday" || u.Author != "admin" || u.CreatedAt != a.CreatedAt || u.UpdatedAt < a.UpdatedAt {
		t.Errorf("UpdateNews = %+v (was %+v)", u, a)
	}
	if got := get(s.News(ctx, a.ID)).must(t); got != u {
		t.Errorf("News after update = %+v, want %+v", got, u)
	}
	if err := s.DeleteNews(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	_, err := s.News(ctx, a.ID)
	wantCode(t, err, depc.ENOTFOUND, "News(deleted)")
	wantCode(t, s.DeleteNews(ctx, a.ID), depc.ENOTFOUND, "DeleteNews(deleted)")
	_, err = s.UpdateNews(ctx, depc.News{ID: a.ID, Title: "x", Text: "y"})
	wantCode(t, err, depc.ENOTFOUND, "UpdateNews(deleted)")
	if list := get(s.ListNews(ctx, 0)).must(t); len(list) != 1 || list[0] != b {
		t.Errorf("ListNews after delete = %+v", list)
	}
}

func testNewsInvalid(t *testing.T, s News) {
	for name, n := range map[string]depc.News{
		"no title":        {Text: "x", Author: "admin"},
		"blank text":      {Title: "x", Text: "  \n", Author: "admin"},
		"no author":       {Title: "x", Text: "y"},
		"title too long":  {Title: strings.Repeat("x", depc.MaxNewsTitle+1), Text: "y", Author: "admin"},
		"text too long":   {Title: "x", Text: strings.Repeat("y", depc.MaxNewsText+1), Author: "admin"},
		"text not UTF-8":  {Title: "x", Text: "\xff", Author: "admin"},
		"title zero byte": {Title: "a\x00b", Text: "y", Author: "admin"},
	} {
		_, err := s.CreateNews(ctx, n)
		wantCode(t, err, depc.EINVALID, "CreateNews("+name+")")
	}
	if got := get(s.ListNews(ctx, 0)).must(t); len(got) != 0 {
		t.Errorf("refused news was stored: %+v", got)
	}
	a := get(s.CreateNews(ctx, depc.News{Title: "x", Text: "y", Author: "admin"})).must(t)
	_, err := s.UpdateNews(ctx, depc.News{ID: a.ID, Title: "", Text: "y"})
	wantCode(t, err, depc.EINVALID, "UpdateNews(no title)")
}
