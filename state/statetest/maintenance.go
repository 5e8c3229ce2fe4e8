package statetest

import (
	"strings"
	"testing"

	"github.com/depc-dev/depc"
)

// RunMaintenance runs the tests of depc.MaintenanceStore against the
// stores open returns (see Run).
func RunMaintenance[S Maintenance](t *testing.T, open func(t *testing.T) S) {
	run(t, func(t *testing.T) Maintenance { return open(t) }, []subtest[Maintenance]{
		{name: "Maintenance", fn: testMaintenance},
		{name: "MaintenanceInvalid", fn: testMaintenanceInvalid},
		{name: "UnknownTeam", fn: testMaintenanceUnknownTeam},
		{name: "TeamIsolation", fn: testMaintenanceTeamIsolation},
	})
}

const t0 = int64(1764547200) // 2025-12-01 00:00 UTC

func testMaintenance(t *testing.T, s Maintenance) {
	createTeam(t, s, "acme")
	equal(t, "Maintenances of a new team", get(s.Maintenances(ctx, "acme", 0, 1<<40)).must(t), []depc.Maintenance(nil))
	node := depc.Maintenance{Label: "Filer", Name: "filer/1", From: t0 + 3600, To: t0 + 7200, Reason: "disk swap"}
	label := depc.Maintenance{Label: "Apache", From: t0 + 1800, To: t0 + 86400, Reason: "upgrade to 2.6, all of them"}
	team := depc.Maintenance{From: t0 - 86400, To: t0 + 600, Reason: "datacenter move ✈"}
	var saved []depc.Maintenance
	for _, m := range []depc.Maintenance{node, label, team} {
		got := get(s.CreateMaintenance(ctx, "acme", m)).must(t)
		if got.ID <= 0 || got.CreatedAt <= 0 {
			t.Errorf("CreateMaintenance = %+v: no id or created_at", got)
		}
		for _, prev := range saved {
			if got.ID == prev.ID {
				t.Errorf("CreateMaintenance: id %d given twice", got.ID)
			}
		}
		m.ID, m.CreatedAt = got.ID, got.CreatedAt
		equal(t, "CreateMaintenance", got, m)
		saved = append(saved, got)
	}
	node, label, team = saved[0], saved[1], saved[2]
	equal(t, "Maintenance(node)", get(s.Maintenance(ctx, "acme", node.ID)).must(t), node)

	// Overlapping [from, to), sorted by From: windows are half-open.
	for _, tt := range []struct {
		from, to int64
		want     []depc.Maintenance
	}{
		{0, 1 << 40, []depc.Maintenance{team, label, node}},
		{t0, t0 + 86400, []depc.Maintenance{team, label, node}},
		{t0 + 600, t0 + 1800, nil},
		{t0 + 600, t0 + 1801, []depc.Maintenance{label}},
		{t0 + 7199, t0 + 7200, []depc.Maintenance{label, node}},
		{t0 + 7200, t0 + 86400, []depc.Maintenance{label}},
		{t0 + 86400, t0 + 2*86400, nil},
		{t0 - 2*86400, t0 - 86400, nil},
		{t0 - 2*86400, t0 - 86399, []depc.Maintenance{team}},
	} {
		equal(t, "Maintenances", get(s.Maintenances(ctx, "acme", tt.from, tt.to)).must(t), tt.want)
	}

	// Update replaces everything but the id and created_at.
	up := depc.Maintenance{ID: label.ID, Label: "Apache", Name: "apache1", From: t0, To: t0 + 60, Reason: "only one", CreatedAt: 1}
	got := get(s.UpdateMaintenance(ctx, "acme", up)).must(t)
	up.CreatedAt = label.CreatedAt
	equal(t, "UpdateMaintenance", got, up)
	equal(t, "Maintenance after update", get(s.Maintenance(ctx, "acme", label.ID)).must(t), up)
	_, err := s.UpdateMaintenance(ctx, "acme", depc.Maintenance{ID: 999, From: 1, To: 2, Reason: "x"})
	wantCode(t, err, depc.ENOTFOUND, "UpdateMaintenance(absent)")

	mustDo(t, s.DeleteMaintenance(ctx, "acme", node.ID))
	wantCode(t, s.DeleteMaintenance(ctx, "acme", node.ID), depc.ENOTFOUND, "DeleteMaintenance twice")
	_, err = s.Maintenance(ctx, "acme", node.ID)
	wantCode(t, err, depc.ENOTFOUND, "Maintenance after delete")
	equal(t, "Maintenances after delete", get(s.Maintenances(ctx, "acme", 0, 1<<40)).must(t), []depc.Maintenance{team, up})

	// An id is never given again, also after a delete.
	again := get(s.CreateMaintenance(ctx, "acme", depc.Maintenance{From: 1, To: 2, Reason: "again"})).must(t)
	for _, m := range saved {
		if again.ID == m.ID {
			t.Errorf("id %d given again after a delete", again.ID)
		}
	}
}

func testMaintenanceInvalid(t *testing.T, s Maintenance) {
	createTeam(t, s, "acme")
	good := depc.Maintenance{Label: "Filer", Name: "filer1", From: t0, To: t0 + 60, Reason: "swap"}
	saved := get(s.CreateMaintenance(ctx, "acme", good)).must(t)
	for _, tt := range []struct {
		what string
		mod  func(m *depc.Maintenance)
	}{
		{"name without label", func(m *depc.Maintenance) { m.Label = "" }},
		{"bad label", func(m *depc.Maintenance) { m.Label = "a b" }},
		{"bad name", func(m *depc.Maintenance) { m.Name = "x\ny" }},
		{"empty", func(m *depc.Maintenance) { m.To = m.From }},
		{"backwards", func(m *depc.Maintenance) { m.To = m.From - 1 }},
		{"over a year", func(m *depc.Maintenance) { m.To = m.From + depc.MaxMaintenanceLen + 1 }},
		{"overflow", func(m *depc.Maintenance) { m.From, m.To = -1<<63, 1<<63-1 }},
		{"no reason", func(m *depc.Maintenance) { m.Reason = "" }},
		{"blank reason", func(m *depc.Maintenance) { m.Reason = "  " }},
		{"control in reason", func(m *depc.Maintenance) { m.Reason = "a\x00b" }},
		{"long reason", func(m *depc.Maintenance) { m.Reason = strings.Repeat("x", depc.MaxMaintenanceReason+1) }},
		{"invalid UTF-8 reason", func(m *depc.Maintenance) { m.Reason = "\xff" }},
	} {
		m := good
		tt.mod(&m)
		_, err := s.CreateMaintenance(ctx, "acme", m)
		wantCode(t, err, depc.EINVALID, "CreateMaintenance("+tt.what+")")
		m.ID = saved.ID
		_, err = s.UpdateMaintenance(ctx, "acme", m)
		wantCode(t, err, depc.EINVALID, "UpdateMaintenance("+tt.what+")")
	}
	_, err := s.Maintenances(ctx, "acme", t0, t0)
	wantCode(t, err, depc.EINVALID, "Maintenances(empty range)")
	equal(t, "Maintenances after refused writes", get(s.Maintenances(ctx, "acme", 0, 1<<40)).must(t), []depc.Maintenance{saved})
	// A reason of the longest length is fine.
	long := good
	long.Reason = strings.Repeat("é", depc.MaxMaintenanceReason/2)
	get(s.CreateMaintenance(ctx, "acme", long)).must(t)
}

func testMaintenanceUnknownTeam(t *testing.T, s Maintenance) {
	m := depc.Maintenance{From: 1, To: 2, Reason: "x"}
	unknownTeam(t, map[string]error{
		"CreateMaintenance":      second(s.CreateMaintenance(ctx, "nope", m)),
		"CreateMaintenance(bad)": second(s.CreateMaintenance(ctx, "nope", depc.Maintenance{})),
		"Maintenance":            second(s.Maintenance(ctx, "nope", 1)),
		"Maintenances":           second(s.Maintenances(ctx, "nope", 0, 10)),
		"Maintenances(bad)":      second(s.Maintenances(ctx, "nope", 10, 0)),
		"UpdateMaintenance":      second(s.UpdateMaintenance(ctx, "nope", depc.Maintenance{ID: 1, From: 1, To: 2, Reason: "x"})),
		"DeleteMaintenance":      s.DeleteMaintenance(ctx, "nope", 1),
	})
}

func testMaintenanceTeamIsolation(t *testing.T, s Maintenance) {
	createTeam(t, s, "acme")
	createTeam(t, s, "other")
	m := get(s.CreateMaintenance(ctx, "acme", depc.Maintenance{From: t0, To: t0 + 60, Reason: "acme's"})).must(t)
	equal(t, "Maintenances(other)", get(s.Maintenances(ctx, "other", 0, 1<<40)).must(t), []depc.Maintenance(nil))
	_, err := s.Maintenance(ctx, "other", m.ID)
	wantCode(t, err, depc.ENOTFOUND, "Maintenance(other's id)")
	_, err = s.UpdateMaintenance(ctx, "other", depc.Maintenance{ID: m.ID, From: 1, To: 2, Reason: "x"})
	wantCode(t, err, depc.ENOTFOUND, "UpdateMaintenance(other's id)")
	wantCode(t, s.DeleteMaintenance(ctx, "other", m.ID), depc.ENOTFOUND, "DeleteMaintenance(other's id)")
	equal(t, "Maintenance(acme) kept", get(s.Maintenance(ctx, "acme", m.ID)).must(t), m)
}
