package depc

import "context"

// StateStore keeps everything of depc but the graph: teams, users and
// their tokens, grants, rejected messages, sources, checks, rules, config
// versions, runs, results, objectives, maintenance windows and
// annotations. It is made of parts, one per kind of data, so that a caller
// takes only the parts it uses and a new backend can be built and tested
// part by part (state/statetest).
//
// Conventions of every method:
//   - A team, user, source, check, rule, config version, run, objective,
//     maintenance window or annotation that does not exist: ENOTFOUND,
//     naming it. A method taking a team answers ENOTFOUND for an unknown
//     team before anything else.
//   - A name taken, or a deletion of something still used: ECONFLICT, naming
//     the user.
//   - Input that fails validation: EINVALID, naming the field. Stores check
//     their input themselves (names, days, values); nothing panics.
//   - Days are "YYYY-MM-DD" (a calendar date in the team's time zone; the
//     store only orders them). Day ranges are inclusive; start after end is
//     EINVALID.
//   - Lists are sorted as each method says; a nil or empty slice means
//     none.
//   - A store that cannot reach its database (or is closed, or whose context
//     ended) answers EUNAVAILABLE; a write that fails changed nothing.
//   - Team isolation: no method taking a team reads or writes another
//     team's data.
type StateStore interface {
	TeamStore
	AccountStore
	RejectionStore
	CatalogStore
	VariableStore
	RunStore
	ResultStore
	ObjectiveStore
	MaintenanceStore
	AnnotationStore
	AlertStore
	AuditStore
	NewsStore
	SharedSourceStore

	// Ping checks that the database answers (readiness).
	Ping(ctx context.Context) error
	// Close releases the store's resources.
	Close() error
}
