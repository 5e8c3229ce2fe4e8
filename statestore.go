package depc

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"iter"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Role is what a user may do in one team. Roles are ordered: each one
// includes the rights of those before it.
type Role string

const (
	// RoleViewer reads everything of the team.
	RoleViewer Role = "viewer"
	// RoleEditor also sends graph messages and edits checks, rules, the
	// config and runs.
	RoleEditor Role = "editor"
	// RoleManager also edits sources and grants, and deletes.
	RoleManager Role = "manager"
)

func (r Role) rank() int {
	switch r {
	case RoleViewer:
		return 1
	case RoleEditor:
		return 2
	case RoleManager:
		return 3
	}
	return 0
}

// Valid reports whether r is one of the three roles.
func (r Role) Valid() bool { return r.rank() > 0 }

// Includes reports whether r grants at least the rights of want. An invalid
// role (including "", no grant) includes nothing.
func (r Role) Includes(want Role) bool { return r.Valid() && want.Valid() && r.rank() >= want.rank() }

// User is a person or a program that calls the API with a token.
type User struct {
	Name string `json:"name"`
	// Admin users may do everything, in every team, including managing
	// teams and users.
	Admin bool `json:"admin"`
	// CreatedAt is when the user was created, in Unix seconds.
	CreatedAt int64 `json:"created_at"`
}

// UserPattern is the pattern of user names.
var UserPattern = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.@-]{0,127}$`)

// ValidUser reports whether s is a valid user name.
func ValidUser(s string) bool { return UserPattern.MatchString(s) }

// Grant gives a user a role in a team.
type Grant struct {
	Team string `json:"team,omitempty"`
	User string `json:"user"`
	Role Role   `json:"role"`
}

// TokenHash is the SHA-256 of an API token. Stores keep only hashes: a
// token is shown once, when it is created, and can never be read back.
type TokenHash [sha256.Size]byte

// String returns the hash in hex.
func (h TokenHash) String() string { return hex.EncodeToString(h[:]) }

// TokenPrefix starts every token depc creates, so that secret scanners and
// people can recognise one.
const TokenPrefix = "depc_"

// NewToken returns a new random API token holding 256 bits from
// crypto/rand. A hash of a random token this long needs no salt or slow
// hash function: it cannot be guessed, so its SHA-256 is enough to look it
// up without keeping it.
func NewToken() string {
	var b [32]byte
	rand.Read(b[:]) // never fails (crypto/rand, Go 1.24+)
	return TokenPrefix + base64.RawURLEncoding.EncodeToString(b[:])
}

// HashToken returns the hash under which a token is stored and looked up.
func HashToken(token string) TokenHash { return sha256.Sum256([]byte(token)) }

// MaxResourceNameLen bounds the names of sources, checks and rules, in bytes.
const MaxResourceNameLen = 128

// ValidResourceName reports whether s may name a source, a check or a rule:
// 1 to MaxResourceNameLen bytes of UTF-8 without control characters and
// without leading or trailing space. Spaces inside are allowed ("Server
// Ping").
func ValidResourceName(s string) bool {
	if s == "" || len(s) > MaxResourceNameLen || !utf8.ValidString(s) || strings.TrimSpace(s) != s {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}

// Rule is a named set of checks (indicators); a node's rule timeline is the
// AND of its checks' timelines.
type Rule struct {
	Name string `json:"name"`
	// Checks are check names, in the order given, without duplicates.
	Checks []string `json:"checks"`
}

// ConfigVersion is one saved version of a team's config. Versions are
// immutable: saving, or restoring an old version, creates a new one.
type ConfigVersion struct {
	// ID increases with every save, per team, from 1.
	ID int64 `json:"id"`
	// CreatedAt is when the version was saved, in Unix seconds.
	CreatedAt int64 `json:"created_at"`
	// Config is the config document as JSON, exactly as saved. Package
	// qos parses it; the state store only keeps it.
	Config json.RawMessage `json:"config"`
	// Rules are the names of the rules the config uses, sorted, saved with
	// it so that the store can refuse to delete a rule the current config
	// needs.
	Rules []string `json:"-"`
}

// RunStatus is the state of a run.
type RunStatus string

const (
	RunQueued    RunStatus = "queued"
	RunRunning   RunStatus = "running"
	RunSucceeded RunStatus = "succeeded"
	RunFailed    RunStatus = "failed"
)

// Valid reports whether s is one of the four statuses.
func (s RunStatus) Valid() bool {
	switch s {
	case RunQueued, RunRunning, RunSucceeded, RunFailed:
		return true
	}
	return false
}

// Finished reports whether s is final (succeeded or failed).
func (s RunStatus) Finished() bool { return s == RunSucceeded || s == RunFailed }

// Run is one computation of a team for one day or a range of days
// (spec/semantics.md §7).
type Run struct {
	// ID increases with every run, per team, from 1.
	ID   int64  `json:"id"`
	Team string `json:"team"`
	// Days are the days computed, "YYYY-MM-DD" in the team's time zone,
	// in the order they are computed.
	Days   []string  `json:"days"`
	Status RunStatus `json:"status"`
	// CreatedAt is when the run was queued; StartedAt and FinishedAt when
	// it started and finished (nil before), in Unix seconds.
	CreatedAt  int64  `json:"created_at"`
	StartedAt  *int64 `json:"started_at"`
	FinishedAt *int64 `json:"finished_at"`
	// Nodes is the number of node results written so far.
	Nodes int64 `json:"nodes"`
	// Errors are the failures of nodes or sources that did not stop the
	// run, and for a failed run the reason it stopped.
	Errors []RunError `json:"errors"`
	// Progress goes from 0 to 1.
	Progress float64 `json:"progress"`
}

// RunError is one failure recorded on a run. Label and Name are empty when
// it concerns no node in particular.
type RunError struct {
	Label string `json:"label"`
	Name  string `json:"name"`
	Error string `json:"error"`
}

// NodeDayResult is one node's result for one day (spec/semantics.md §7).
type NodeDayResult struct {
	Label string `json:"label"`
	Name  string `json:"name"`
	// Day is "YYYY-MM-DD" in the team's time zone.
	Day string `json:"day"`
	// QoS is unrounded, in [0, 100]; nil when nothing is known.
	QoS *float64 `json:"qos"`
	// OK, KO and Unknown are seconds; nil for aggregation nodes, which
	// have a QoS but no timeline.
	OK      *int64 `json:"ok"`
	KO      *int64 `json:"ko"`
	Unknown *int64 `json:"unknown"`
	// Downtime is the node's KO intervals, sorted and disjoint. Stores
	// return nil for aggregation nodes (OK == nil) and a non-nil, possibly
	// empty, list for the others.
	Downtime []Period `json:"downtime"`
	// Children are the children that took part in the node's operation or
	// aggregation during the day; nil for rule nodes.
	Children []NodeKey `json:"children,omitempty"`
}

// LabelDayResult is the average of a label for one day.
type LabelDayResult struct {
	Label string `json:"label"`
	Day   string `json:"day"`
	// QoS is the unrounded mean of the non-null node QoS of the label,
	// leaving out its average.exclude names; nil when no node qualifies.
	QoS *float64 `json:"qos"`
	// Nodes is the number of nodes of the label computed that day.
	Nodes int `json:"nodes"`
}

// WorstNode is a node of a label with its QoS of one day, below 100.
type WorstNode struct {
	Name string  `json:"name"`
	QoS  float64 `json:"qos"`
}

// MaxWorstNodes is how many worst nodes a store keeps per team, label and
// day.
const MaxWorstNodes = 1000

// MaxRejections is how many rejected messages a store keeps per team: the
// newest ones.
const MaxRejections = 1000

// StateStore keeps everything of depc but the graph: teams, users and
// their tokens, grants, rejected messages, sources, checks, rules, config
// versions, runs and results.
//
// Conventions of every method:
//   - A team, user, source, check, rule, config version or run that does not
//     exist: ENOTFOUND, naming it. A method taking a team answers ENOTFOUND
//     for an unknown team before anything else.
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
	// sources, checks, rules, configs, runs, results, rejections) but not
	// its graph. ENOTFOUND if absent.
	DeleteTeam(ctx context.Context, name string) error

	// CreateUser creates a user with a new token (NewToken) and returns
	// the token: the only time it is ever shown. Only its hash is stored.
	// EINVALID for a bad name (UserPattern), ECONFLICT if taken.
	CreateUser(ctx context.Context, name string, admin bool) (u User, token string, err error)
	// User returns one user. ENOTFOUND if absent.
	User(ctx context.Context, name string) (User, error)
	// Users returns every user, sorted by name.
	Users(ctx context.Context) ([]User, error)
	// DeleteUser removes a user, its token and its grants. ENOTFOUND if
	// absent.
	DeleteUser(ctx context.Context, name string) error
	// RotateToken gives a user a new token, returned once; the old token
	// stops working at once. ENOTFOUND if the user is absent.
	RotateToken(ctx context.Context, name string) (token string, err error)
	// UserByToken returns the user whose token hashes to h
	// (HashToken). ENOTFOUND when no user has it, the admin token
	// included: check AdminTokenHash for that.
	UserByToken(ctx context.Context, h TokenHash) (User, error)
	// SetAdminTokenHash sets the hash of the admin token, replacing any
	// previous one.
	SetAdminTokenHash(ctx context.Context, h TokenHash) error
	// AdminTokenHash returns the hash of the admin token. ENOTFOUND when
	// none was set.
	AdminTokenHash(ctx context.Context) (TokenHash, error)

	// SetGrant gives the user the role in the team, replacing any previous
	// role, and returns the grant. ENOTFOUND for an unknown team or user,
	// EINVALID for an invalid role.
	SetGrant(ctx context.Context, team, user string, role Role) (Grant, error)
	// DeleteGrant removes the user's role in the team. ENOTFOUND for an
	// unknown team or user, or when the user has no role there.
	DeleteGrant(ctx context.Context, team, user string) error
	// Grants returns the grants of a team, sorted by user.
	Grants(ctx context.Context, team string) ([]Grant, error)
	// UserGrants returns the grants of a user in every team, sorted by
	// team. ENOTFOUND for an unknown user.
	UserGrants(ctx context.Context, user string) ([]Grant, error)
	// Role returns the user's role in the team, "" when it has none.
	// ENOTFOUND for an unknown team or user. The admin flag is not a role:
	// callers check User.Admin first.
	Role(ctx context.Context, team, user string) (Role, error)

	// AddRejections records rejected messages of a team, in order: the
	// last one of rs is the newest. A message longer than
	// MaxRejectedMessage bytes is cut there (at a UTF-8 boundary); only the
	// MaxRejections newest of the team are kept. EINVALID when a Source is
	// not "kafka" or "http"; nothing is recorded then.
	AddRejections(ctx context.Context, team string, rs []Rejection) error
	// Rejections returns up to limit of the team's rejected messages (all
	// kept when limit <= 0), newest first.
	Rejections(ctx context.Context, team string, limit int) ([]Rejection, error)

	// CreateSource creates a source. EINVALID for a bad name
	// (ValidResourceName), an empty plugin, or a configuration that is not
	// a JSON object (nil becomes {}); ECONFLICT if the name is taken. The
	// plugin's own rules are checked by the caller.
	CreateSource(ctx context.Context, team string, s SourceConfig) (SourceConfig, error)
	// Source returns one source. ENOTFOUND if absent.
	Source(ctx context.Context, team, name string) (SourceConfig, error)
	// Sources returns the team's sources, sorted by name.
	Sources(ctx context.Context, team string) ([]SourceConfig, error)
	// UpdateSource replaces the source named s.Name (same rules as
	// CreateSource). Names never change. ENOTFOUND if absent.
	UpdateSource(ctx context.Context, team string, s SourceConfig) (SourceConfig, error)
	// DeleteSource removes a source. ENOTFOUND if absent, ECONFLICT while
	// a check uses it.
	DeleteSource(ctx context.Context, team, name string) error

	// CreateCheck creates a check. EINVALID for a bad name, a type other
	// than CheckThreshold or CheckInterval, an empty query, a negative step
	// or lookback, or a source the team does not have ("source"); ECONFLICT
	// if the name is taken. The query and threshold are checked by the
	// caller (the source's ValidateCheck, package qos).
	CreateCheck(ctx context.Context, team string, c Check) (Check, error)
	// Check returns one check. ENOTFOUND if absent.
	Check(ctx context.Context, team, name string) (Check, error)
	// Checks returns the team's checks, sorted by name.
	Checks(ctx context.Context, team string) ([]Check, error)
	// UpdateCheck replaces the check named c.Name (same rules as
	// CreateCheck). ENOTFOUND if absent.
	UpdateCheck(ctx context.Context, team string, c Check) (Check, error)
	// DeleteCheck removes a check. ENOTFOUND if absent, ECONFLICT while a
	// rule uses it.
	DeleteCheck(ctx context.Context, team, name string) error

	// CreateRule creates a rule. EINVALID for a bad name, no check, a
	// check listed twice or one the team does not have ("checks[i]");
	// ECONFLICT if the name is taken.
	CreateRule(ctx context.Context, team string, r Rule) (Rule, error)
	// Rule returns one rule. ENOTFOUND if absent.
	Rule(ctx context.Context, team, name string) (Rule, error)
	// Rules returns the team's rules, sorted by name.
	Rules(ctx context.Context, team string) ([]Rule, error)
	// UpdateRule replaces the checks of the rule named r.Name (same rules
	// as CreateRule). ENOTFOUND if absent.
	UpdateRule(ctx context.Context, team string, r Rule) (Rule, error)
	// DeleteRule removes a rule. ENOTFOUND if absent, ECONFLICT while the
	// current config uses it (older versions do not count).
	DeleteRule(ctx context.Context, team, name string) error

	// SaveConfig saves a new config version, which becomes current, and
	// returns it. doc is the config document (a JSON object, validated by
	// the caller with package qos), rules the names of the rules it uses.
	// EINVALID when doc is not a JSON object or a rule does not exist
	// ("rule.NAME").
	SaveConfig(ctx context.Context, team string, doc json.RawMessage, rules []string) (ConfigVersion, error)
	// Config returns the current (newest) version. ENOTFOUND when the team
	// has none.
	Config(ctx context.Context, team string) (ConfigVersion, error)
	// ConfigVersion returns one version. ENOTFOUND if absent.
	ConfigVersion(ctx context.Context, team string, id int64) (ConfigVersion, error)
	// Configs returns every version of the team's config, newest first.
	Configs(ctx context.Context, team string) ([]ConfigVersion, error)

	// CreateRun queues a run of the team for the given days (at least
	// one, valid and distinct; EINVALID otherwise) and returns it with its
	// new ID, status RunQueued.
	CreateRun(ctx context.Context, team string, days []string) (Run, error)
	// Run returns one run. ENOTFOUND if absent.
	Run(ctx context.Context, team string, id int64) (Run, error)
	// Runs returns up to limit of the team's runs (all when limit <= 0),
	// newest first.
	Runs(ctx context.Context, team string, limit int) ([]Run, error)
	// UpdateRun saves the status, times, node count, errors and progress of
	// the run r.Team/r.ID; its days never change. ENOTFOUND if absent,
	// EINVALID for an invalid status or a progress outside [0, 1],
	// ECONFLICT when the stored run is already finished.
	UpdateRun(ctx context.Context, r Run) error
	// ClaimRun takes the oldest queued run of any team, marks it running
	// with StartedAt set to now and returns it; two callers never get the
	// same run. ENOTFOUND when no run is queued.
	ClaimRun(ctx context.Context) (Run, error)

	// ReplaceDayResults replaces every result of the team for the day
	// (node results, label averages, worst nodes) in one transaction:
	// readers see the old results or the new ones, never a mix, and
	// results of the day that are not in the new set are gone. Node
	// results must have distinct (Label, Name), valid labels and names,
	// Day "" or day, QoS nil or in [0, 100], counts nil together (an
	// aggregation node) or all >= 0, and valid downtime periods; label
	// results distinct labels and Day "" or day. worst holds, per label,
	// its worst nodes; the store keeps, lowest QoS first (ties by name),
	// the MaxWorstNodes lowest of those with a QoS below 100. Any invalid
	// value is EINVALID naming the node or label, and nothing is written.
	// nodes is iterated once, in any order, before the write starts; a
	// store may keep the values (not the pointers' targets) meanwhile.
	ReplaceDayResults(ctx context.Context, team, day string, nodes iter.Seq[NodeDayResult], labels []LabelDayResult, worst map[string][]WorstNode) error
	// NodeQoS returns the node's results for the days start to end
	// (inclusive), sorted by day; days without a result are left out.
	NodeQoS(ctx context.Context, team string, key NodeKey, start, end string) ([]NodeDayResult, error)
	// DayResults returns, in one read, the results of the given nodes for
	// one day, sorted by label then name; nodes without a result are left
	// out. Keys may repeat; each result appears once.
	DayResults(ctx context.Context, team, day string, keys []NodeKey) ([]NodeDayResult, error)
	// LabelQoS returns the label's averages for the days start to end
	// (inclusive), sorted by day; days without a result are left out.
	LabelQoS(ctx context.Context, team, label, start, end string) ([]LabelDayResult, error)
	// TeamQoS returns the averages of every label for the days start to
	// end (inclusive), sorted by label then day.
	TeamQoS(ctx context.Context, team, start, end string) ([]LabelDayResult, error)
	// Worst returns up to limit (at most MaxWorstNodes; all kept when
	// limit <= 0) worst nodes of the label for the day, lowest QoS first.
	Worst(ctx context.Context, team, label, day string, limit int) ([]WorstNode, error)

	// Ping checks that the database answers (readiness).
	Ping(ctx context.Context) error
	// Close releases the store's resources.
	Close() error
}
