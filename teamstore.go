package depc

import "context"

// TeamStore keeps the teams. The other parts keep their data per team
// (users excepted), and that data lives as long as its team.
//
// The conventions of StateStore hold for every method.
type TeamStore interface {
	// CreateTeam creates a team. An empty Timezone becomes "UTC"; others
	// must be IANA names the system knows. EINVALID for a bad name
	// (TeamPattern) or zone, ECONFLICT if the name is taken.
	CreateTeam(ctx context.Context, t Team) (Team, error)
	// Team returns one team. ENOTFOUND if absent.
	Team(ctx context.Context, name string) (Team, error)
	// Teams returns every team, sorted by name.
	Teams(ctx context.Context) ([]Team, error)
	// UpdateTeam changes the time zone of the team named t.Name (the same
	// rules as CreateTeam). Results already computed keep their days.
	// ENOTFOUND if absent.
	UpdateTeam(ctx context.Context, t Team) (Team, error)
	// DeleteTeam removes a team and everything that belongs to it (grants,
	// sources, checks, rules, configs, runs, results, rejections, annotations) but not
	// its graph. ENOTFOUND if absent.
	DeleteTeam(ctx context.Context, name string) error
	// RenameTeam gives the team named from the name to; everything that
	// belongs to it follows (the audit log keeps the name each entry was
	// written under). EINVALID for a bad name ("name"), ENOTFOUND if from
	// is absent, ECONFLICT if to is taken.
	RenameTeam(ctx context.Context, from, to string) (Team, error)

	// TeamLimits returns the limits the admin set for the team, zero
	// fields meaning the server's defaults (all zero when none were set).
	// ENOTFOUND if the team is absent.
	TeamLimits(ctx context.Context, team string) (Limits, error)
	// SetTeamLimits replaces them; all zero goes back to the defaults.
	// EINVALID for limits that fail Limits.Validate, ENOTFOUND if the team
	// is absent.
	SetTeamLimits(ctx context.Context, team string, l Limits) error
}
