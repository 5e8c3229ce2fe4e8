// Package statetest is the conformance suite of depc.StateStore: every
// backend runs Run(t, open) and so meets the same contract, method by
// method and error code by error code (ENOTFOUND for unknown teams, users,
// sources, checks, rules, config versions and runs; ECONFLICT for taken
// names and deletions of something in use; EINVALID for bad input, with
// nothing written; EUNAVAILABLE once closed or cancelled), plus the
// properties the API and the runs depend on: tokens looked up by hash only,
// immutable config versions newest first, a day's results replaced
// atomically with nothing stale left and no reader seeing half a run,
// inclusive day ranges, worst nodes below 100 lowest first, bounded
// rejections newest first, and team isolation.
//
// The suite is cut like the interface, one file per part, so that a new
// backend can pass it part by part before it implements the whole store:
//
//	RunTeams       depc.TeamStore                  teams.go
//	RunAccounts    depc.AccountStore (+ teams)     accounts.go
//	RunRejections  depc.RejectionStore (+ teams)   rejections.go
//	RunCatalog     depc.CatalogStore (+ teams)     catalog.go
//	RunRuns        depc.RunStore (+ teams)         runs.go
//	RunResults     depc.ResultStore (+ teams)      results.go
//	RunObjectives  depc.ObjectiveStore (+ teams,   objectives.go
//	               results)
//	RunMaintenance depc.MaintenanceStore (+ teams) maintenance.go
//	RunAnnotations depc.AnnotationStore (+ teams)  annotations.go
//	RunAlerts      depc.AlertStore (+ teams)       alerts.go
//	RunWhole       depc.StateStore                 whole.go
//
// Each RunX needs only its part, depc.TeamStore (the tests create teams)
// and Close, and checks the part's own unknown-team answers and team
// isolation; RunWhole checks what spans the parts (DeleteTeam removes a
// team's data everywhere, cancelled contexts, Ping and Close). Run runs
// them all. A backend under construction calls the parts it has:
//
//	func TestTeams(t *testing.T) { statetest.RunTeams(t, openTestStore) }
//
// where openTestStore returns a new, empty store of the backend's own
// type; the suite closes it when each subtest ends.
package statetest
