package statetest

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/depc-dev/depc"
)

// RunAudit runs the tests of depc.AuditStore against the stores open
// returns (see Run).
func RunAudit[S Audit](t *testing.T, open func(t *testing.T) S) {
	run(t, func(t *testing.T) Audit { return open(t) }, []subtest[Audit]{
		{name: "AddList", fn: testAuditAddList},
		{name: "Paging", fn: testAuditPaging},
		{name: "Invalid", fn: testAuditInvalid},
		{name: "DeletedTeam", fn: testAuditDeletedTeam},
	})
}

func entry(team, target string) depc.AuditEntry {
	return depc.AuditEntry{Team: team, User: "alice", Action: "PUT /teams/{team}/sources/{source}", Target: target, Status: 200}
}

// sameDoc compares two JSON documents whatever their spacing (a backend
// may keep them as it got them or re-encode them).
func sameDoc(a, b json.RawMessage) bool {
	if len(a) == 0 || len(b) == 0 {
		return len(a) == len(b)
	}
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return string(xa) == string(ya)
}

func testAuditAddList(t *testing.T, s Audit) {
	createTeam(t, s, "acme")
	createTeam(t, s, "beta")
	in := entry("acme", "/teams/acme/sources/P")
	in.ID, in.At = 99, 5 // set by the store
	in.Before = json.RawMessage(`{"name": "P", "configuration": {"url": "http://a"}}`)
	in.After = json.RawMessage(`{"name": "P", "configuration": {"url": "http://b"}}`)
	a := get(s.AddAudit(ctx, in)).must(t)
	if a.ID <= 0 || a.ID == 99 || a.At <= 5 || a.User != "alice" || a.Team != "acme" || a.Status != 200 {
		t.Fatalf("AddAudit = %+v", a)
	}
	b := get(s.AddAudit(ctx, entry("beta", "/teams/beta/sources/Q"))).must(t)
	c := get(s.AddAudit(ctx, depc.AuditEntry{User: "admin", Action: "POST /users", Target: "/users", Status: 201,
		After: json.RawMessage(`{"name": "bob"}`)})).must(t)
	if !(a.ID < b.ID && b.ID < c.ID) {
		t.Errorf("ids %d, %d, %d do not increase", a.ID, b.ID, c.ID)
	}
	got := get(s.Audit(ctx, depc.AuditFilter{Team: "acme"})).must(t)
	if len(got) != 1 || got[0].ID != a.ID || got[0].Target != a.Target || got[0].Action != a.Action || got[0].At != a.At ||
		!sameDoc(got[0].Before, in.Before) || !sameDoc(got[0].After, in.After) {
		t.Errorf("Audit(acme) = %+v, want %+v", got, a)
	}
	all := get(s.Audit(ctx, depc.AuditFilter{})).must(t)
	if len(all) != 3 || all[0].ID != c.ID || all[1].ID != b.ID || all[2].ID != a.ID || all[0].Team != "" || all[0].Before != nil {
		t.Errorf("Audit(all) = %+v, want c, b, a, newest first", all)
	}
	_, err := s.Audit(ctx, depc.AuditFilter{Team: "nope"})
	wantCode(t, err, depc.ENOTFOUND, "Audit(unknown team)")
	if got := get(s.Audit(ctx, depc.AuditFilter{Team: "beta", Before: b.ID})).must(t); len(got) != 0 {
		t.Errorf("Audit(beta, before its only entry) = %+v", got)
	}
}

func testAuditPaging(t *testing.T, s Audit) {
	createTeam(t, s, "acme")
	var ids []int64
	for i := 0; i < 7; i++ {
		ids = append(ids, get(s.AddAudit(ctx, entry("acme", "/teams/acme/rules/R"))).must(t).ID)
	}
	var seen []int64
	before := int64(0)
	for {
		page := get(s.Audit(ctx, depc.AuditFilter{Team: "acme", Before: before, Limit: 3})).must(t)
		if len(page) == 0 {
			break
		}
		if len(page) > 3 {
			t.Fatalf("a page of %d entries, limit 3", len(page))
		}
		for _, e := range page {
			seen = append(seen, e.ID)
		}
		before = page[len(page)-1].ID
	}
	if len(seen) != 7 {
		t.Fatalf("paging saw %v, want the 7 entries", seen)
	}
	for i, id := range seen {
		if id != ids[6-i] {
			t.Errorf("paging saw %v, want %v newest first", seen, ids)
			break
		}
	}
	for _, f := range []depc.AuditFilter{{Before: -1}, {Limit: -1}} {
		_, err := s.Audit(ctx, f)
		wantCode(t, err, depc.EINVALID, "Audit(negative)")
	}
}

func testAuditInvalid(t *testing.T, s Audit) {
	createTeam(t, s, "acme")
	for name, e := range map[string]depc.AuditEntry{
		"no user":          {Action: "POST /teams", Target: "/teams", Status: 201},
		"no action":        {User: "alice", Target: "/teams", Status: 201},
		"no target":        {User: "alice", Action: "POST /teams", Status: 201},
		"status":           {User: "alice", Action: "POST /teams", Target: "/teams", Status: 42},
		"before not JSON":  {User: "alice", Action: "POST /teams", Target: "/teams", Status: 201, Before: json.RawMessage(`{`)},
		"after too big":    {User: "alice", Action: "POST /teams", Target: "/teams", Status: 201, After: json.RawMessage(`"` + strings.Repeat("x", depc.MaxAuditDocument) + `"`)},
		"action not UTF-8": {User: "alice", Action: "POST \xff", Target: "/teams", Status: 201},
	} {
		_, err := s.AddAudit(ctx, e)
		wantCode(t, err, depc.EINVALID, "AddAudit("+name+")")
	}
	if got := get(s.Audit(ctx, depc.AuditFilter{})).must(t); len(got) != 0 {
		t.Errorf("refused entries were stored: %+v", got)
	}
}

// testAuditDeletedTeam: the log outlives its team, for the admins (the
// whole log), and the deletion itself can be recorded.
func testAuditDeletedTeam(t *testing.T, s Audit) {
	createTeam(t, s, "acme")
	get(s.AddAudit(ctx, entry("acme", "/teams/acme/sources/P"))).must(t)
	mustDo(t, s.DeleteTeam(ctx, "acme"))
	get(s.AddAudit(ctx, depc.AuditEntry{Team: "acme", User: "admin", Action: "DELETE /teams/{team}", Target: "/teams/acme", Status: 204})).must(t)
	_, err := s.Audit(ctx, depc.AuditFilter{Team: "acme"})
	wantCode(t, err, depc.ENOTFOUND, "Audit(deleted team)")
	if all := get(s.Audit(ctx, depc.AuditFilter{})).must(t); len(all) != 2 || all[0].Team != "acme" {
		t.Errorf("the whole log after the team's deletion: %+v", all)
	}
	// A new team of the same name does not read the old one's log.
	createTeam(t, s, "acme")
	if got := get(s.Audit(ctx, depc.AuditFilter{Team: "acme"})).must(t); len(got) != 0 {
		t.Errorf("Audit(acme re-created) = %+v: another team's log", got)
	}
	e := get(s.AddAudit(ctx, entry("acme", "/teams/acme/sources/P"))).must(t)
	if got := get(s.Audit(ctx, depc.AuditFilter{Team: "acme"})).must(t); len(got) != 1 || got[0].ID != e.ID {
		t.Errorf("Audit(acme re-created) = %+v, want its own entry", got)
	}
}
