package depc

import "context"

// MaintenanceStore keeps a team's maintenance windows.
//
// The conventions of StateStore hold for every method.
type MaintenanceStore interface {
	// CreateMaintenance saves a new window and returns it with its ID and
	// CreatedAt (now). EINVALID when Maintenance.Validate fails. Whether
	// the label or node exists is not checked.
	CreateMaintenance(ctx context.Context, team string, m Maintenance) (Maintenance, error)
	// Maintenance returns one window. ENOTFOUND if absent.
	Maintenance(ctx context.Context, team string, id int64) (Maintenance, error)
	// Maintenances returns the team's windows that overlap [from, to),
	// sorted by From then ID. EINVALID when to <= from.
	Maintenances(ctx context.Context, team string, from, to int64) ([]Maintenance, error)
	// UpdateMaintenance replaces the scope, bounds and reason of the
	// window m.ID (the same rules as CreateMaintenance); CreatedAt is
	// kept. ENOTFOUND if absent.
	UpdateMaintenance(ctx context.Context, team string, m Maintenance) (Maintenance, error)
	// DeleteMaintenance removes one window. ENOTFOUND if absent.
	DeleteMaintenance(ctx context.Context, team string, id int64) error
}
