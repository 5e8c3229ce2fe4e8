package neo4j

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/depc-dev/depc"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j/config"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j/notifications"
)

// Config says where the server is.
type Config struct {
	// URI is the Bolt address, e.g. bolt://127.0.0.1:7687 or
	// neo4j://host:7687.
	URI      string
	User     string
	Password string
	// Database is the database to use; "" means the server's default.
	Database string

	// BatchRows bounds the rows of one UNWIND query; a larger Apply
	// batch runs several queries in its one transaction. 0 means
	// DefaultBatchRows.
	BatchRows int
	// FetchSize is the number of records the driver pulls per round trip
	// when streaming a snapshot. 0 means DefaultFetchSize.
	FetchSize int
	// RetryTime bounds how long a write is retried on transient errors
	// (deadlocks, a leader switch, a lost connection) before Apply
	// answers EUNAVAILABLE. 0 means DefaultRetryTime.
	RetryTime time.Duration
	// ConnectTimeout bounds opening one connection. 0 means
	// DefaultConnectTimeout.
	ConnectTimeout time.Duration
}

// Defaults of Config.
const (
	DefaultBatchRows      = 5000
	DefaultFetchSize      = 10000
	DefaultRetryTime      = 15 * time.Second
	DefaultConnectTimeout = 5 * time.Second
)

// Store is the graph store on a Neo4j 5 server. It is safe for concurrent
// use.
type Store struct {
	driver    neo4j.DriverWithContext
	database  string
	batchRows int
	fetchSize int
	retryTime time.Duration
	closed    atomic.Bool

	// schemaReady is set once the key constraint is known to exist and
	// no old per-label schema is left (schema.go); schemaLock (a
	// one-slot semaphore, so that waiting respects the context) lets one
	// caller at a time check and migrate.
	schemaReady atomic.Bool
	schemaLock  chan struct{}
}

var _ depc.GraphStore = (*Store)(nil)

// Open returns a store for the server cfg names. It does not wait for the
// server: a store opened while Neo4j is down answers EUNAVAILABLE until it
// is up (Ping tells readiness), so a service can start before its database.
func Open(_ context.Context, cfg Config) (*Store, error) {
	if cfg.URI == "" {
		return nil, depc.Errorf(depc.EINVALID, "neo4j uri: empty")
	}
	if cfg.BatchRows < 0 || cfg.FetchSize < 0 || cfg.RetryTime < 0 || cfg.ConnectTimeout < 0 {
		return nil, depc.Errorf(depc.EINVALID, "neo4j: batch rows, fetch size and timeouts must not be negative")
	}
	s := &Store{
		database:  cfg.Database,
		batchRows: cmp.Or(cfg.BatchRows, DefaultBatchRows),
		fetchSize: cmp.Or(cfg.FetchSize, DefaultFetchSize),
		retryTime: cmp.Or(cfg.RetryTime, DefaultRetryTime),

		schemaLock: make(chan struct{}, 1),
	}
	connect := cmp.Or(cfg.ConnectTimeout, DefaultConnectTimeout)
	auth := neo4j.NoAuth()
	if cfg.User != "" || cfg.Password != "" {
		auth = neo4j.BasicAuth(cfg.User, cfg.Password, "")
	}
	d, err := neo4j.NewDriverWithContext(cfg.URI, auth, func(c *config.Config) {
		c.SocketConnectTimeout = connect
		// Acquiring a connection includes connecting: bound it too, so a
		// dead server is reported within seconds, not after the driver's
		// default minute.
		c.ConnectionAcquisitionTimeout = 2 * connect
		c.MaxTransactionRetryTime = s.retryTime
		c.FetchSize = s.fetchSize
		// id() is deprecated in Cypher 25 but is the compact node
		// identity of every 5.x server; see traverse.go.
		c.NotificationsDisabledCategories = notifications.DisableCategories(notifications.Deprecation)
	})
	if err != nil {
		return nil, depc.WrapError(depc.EINVALID, err, "neo4j uri: %q", cfg.URI)
	}
	s.driver = d
	return s, nil
}

// Close closes the driver and its connections. Calls after Close answer
// EUNAVAILABLE.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	return s.driver.Close(context.Background())
}

// Ping runs a trivial query on the store's database, once: a readiness
// probe wants the answer now, not after the driver's retries.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.check(); err != nil {
		return err
	}
	sess := s.session(ctx, neo4j.AccessModeRead)
	defer sess.Close(context.WithoutCancel(ctx))
	r, err := sess.Run(ctx, "RETURN 1", nil)
	if err == nil {
		_, err = r.Consume(ctx)
	}
	return s.wrap(ctx, err, "ping")
}

func (s *Store) check() error {
	if s.closed.Load() {
		return depc.Errorf(depc.EUNAVAILABLE, "neo4j: store closed")
	}
	return nil
}

func (s *Store) session(ctx context.Context, mode neo4j.AccessMode) neo4j.SessionWithContext {
	return s.driver.NewSession(ctx, neo4j.SessionConfig{
		AccessMode:   mode,
		DatabaseName: s.database,
		FetchSize:    s.fetchSize,
	})
}

// read runs work in a read transaction, retried on transient errors. Work
// must not have effects outside the transaction (it may run again).
func (s *Store) read(ctx context.Context, work neo4j.ManagedTransactionWork) (any, error) {
	sess := s.session(ctx, neo4j.AccessModeRead)
	defer sess.Close(context.WithoutCancel(ctx))
	return sess.ExecuteRead(ctx, work)
}

// wrap translates a driver error into a depc error at the store's
// boundary. Errors that already carry a depc code pass unchanged.
func (s *Store) wrap(ctx context.Context, err error, what string) error {
	if err == nil {
		return nil
	}
	var de *depc.Error
	if errors.As(err, &de) {
		return err
	}
	if s.closed.Load() {
		return depc.WrapError(depc.EUNAVAILABLE, err, "neo4j: store closed")
	}
	if ctx.Err() != nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return depc.WrapError(depc.EUNAVAILABLE, err, "neo4j: %s: interrupted", what)
	}
	if unavailable(err) {
		return depc.WrapError(depc.EUNAVAILABLE, err, "neo4j: %s: database unavailable", what)
	}
	return depc.WrapError(depc.EINTERNAL, err, "neo4j: %s", what)
}

// unavailable reports whether err means that the database cannot be used
// now but may be later: the caller retries.
func unavailable(err error) bool {
	var ce *neo4j.ConnectivityError
	if errors.As(err, &ce) {
		return true
	}
	var tl *neo4j.TransactionExecutionLimit
	if errors.As(err, &tl) {
		// The driver gave up retrying; its attempts failed on transient
		// or connectivity errors, or it found no time to try at all.
		return true
	}
	var te *neo4j.TokenExpiredError
	if errors.As(err, &te) {
		return true
	}
	var ae *neo4j.InvalidAuthenticationError
	if errors.As(err, &ae) {
		return true
	}
	var ne *neo4j.Neo4jError
	if errors.As(err, &ne) {
		switch {
		case ne.Classification() == "TransientError":
			return true
		case ne.HasSecurityCode():
			// A wrong password or a missing role is an operator's
			// problem; the store cannot be used until it is fixed.
			return true
		case ne.Code == "Neo.ClientError.Database.DatabaseNotFound":
			return true
		}
	}
	var ue *neo4j.UsageError
	if errors.As(err, &ue) && strings.Contains(ue.Message, "closed") {
		return true
	}
	return false
}

// Names in queries.

// neoLabel is the Neo4j label of a depc label in a team's namespace,
// quoted for Cypher. Team and label are validated first: they are the only
// values that enter a query's text, and their patterns exclude the
// backtick.
func neoLabel(team, label string) string {
	return "`" + neoName(team, label) + "`"
}

// neoName is the Neo4j label of a depc label unquoted, as a dynamic label
// (a query parameter) takes it.
func neoName(team, label string) string {
	return labelPrefix(team) + label
}

// labelPrefix is what every Neo4j label of the team starts with.
func labelPrefix(team string) string { return team + "_" }

// depcLabel is the depc label of a Neo4j label of the team, or "" when the
// label is not one of the team's. Because a depc label holds no
// underscore, a label belongs to exactly one team: "a_b_X" is team "a_b",
// never team "a" with label "b_X".
func depcLabel(team, neo string) string {
	l, ok := strings.CutPrefix(neo, labelPrefix(team))
	if !ok || !depc.ValidLabel(l) {
		return ""
	}
	return l
}

func validWindow(w depc.Window) error {
	if w.Start >= w.End {
		return depc.Errorf(depc.EINVALID, "window: start %d is not before end %d", w.Start, w.End)
	}
	return nil
}

func validActivity(a depc.Activity) error {
	switch a.Kind {
	case depc.ActiveAny, depc.ActiveAt:
		return nil
	case depc.ActiveDuring:
		return validWindow(a.Window)
	}
	return depc.Errorf(depc.EINVALID, "activity: unknown kind %d", a.Kind)
}

func validLimit(limit int) error {
	if limit < 1 {
		return depc.Errorf(depc.EINVALID, "limit: %d is below 1", limit)
	}
	return nil
}

// DeleteTeam removes every node and relation of the team: what removing a
// team from depc leaves behind in Neo4j (the schema is shared by every
// team and stays). Every transaction holds at most BatchRows relations or
// nodes: a team may hold millions, and a hub node millions of relations,
// which one transaction (or DETACH DELETE, or CALL … IN TRANSACTIONS,
// which first reads every node) could not hold in memory. So it is not
// atomic; running it again finishes an interrupted deletion. Its queries
// find the team's nodes through the key index, with one text for every
// team.
func (s *Store) DeleteTeam(ctx context.Context, team string) error {
	if err := s.check(); err != nil {
		return err
	}
	if err := depc.CheckTeam("team", team); err != nil {
		return err
	}
	if err := s.ensureSchema(ctx); err != nil {
		return err
	}
	return s.wrap(ctx, s.deleteTeam(ctx, team), "delete team")
}

// Queries of DeleteTeam. The team in each pattern guards against an id
// reused by another team's node since the ids were read. The existence
// tests let the planner seek the key index by its first property.
const (
	teamNodes = "MATCH (x:" + nodeLabel + `) WHERE x.team = $team AND x.label IS NOT NULL AND x.name IS NOT NULL
RETURN id(x)`
	deleteRels = "UNWIND $rows AS i MATCH (x:" + nodeLabel + `)-[r]-() WHERE id(x) = i AND x.team = $team
WITH DISTINCT r LIMIT $n
DELETE r
RETURN count(*)`
	deleteNodes = "UNWIND $rows AS i MATCH (x:" + nodeLabel + `) WHERE id(x) = i AND x.team = $team
DETACH DELETE x
RETURN count(*)`
)

func (s *Store) deleteTeam(ctx context.Context, team string) error {
	ids, err := s.read(ctx, func(tx neo4j.ManagedTransaction) (any, error) {
		r, err := tx.Run(ctx, teamNodes, map[string]any{"team": team})
		if err != nil {
			return nil, err
		}
		var ids []any
		for r.Next(ctx) {
			ids = append(ids, r.Record().Values[0])
		}
		return ids, r.Err()
	})
	if err != nil {
		return err
	}
	sess := s.session(ctx, neo4j.AccessModeWrite)
	defer sess.Close(context.WithoutCancel(ctx))
	run := func(q string, params map[string]any) (int64, error) {
		n, err := sess.ExecuteWrite(ctx, func(tx neo4j.ManagedTransaction) (any, error) {
			r, err := tx.Run(ctx, q, params)
			if err != nil {
				return nil, err
			}
			rec, err := single(ctx, r)
			if err != nil {
				return nil, err
			}
			n, _ := rec.Values[0].(int64)
			return n, nil
		})
		if err != nil {
			return 0, err
		}
		return n.(int64), nil
	}
	for c := range slices.Chunk(ids.([]any), s.batchRows) {
		for {
			n, err := run(deleteRels, map[string]any{"rows": c, "team": team, "n": int64(s.batchRows)})
			if err != nil {
				return err
			}
			if n == 0 {
				break
			}
		}
		if _, err := run(deleteNodes, map[string]any{"rows": c, "team": team}); err != nil {
			return err
		}
	}
	return nil
}

// single returns the one record of r and lets r go of it. The driver keeps
// every result of an explicit transaction until the transaction ends, and
// a result keeps the record Single returned: a snapshot made of chunked
// records would otherwise hold all of them. Consume drops it.
func single(ctx context.Context, r neo4j.ResultWithContext) (*neo4j.Record, error) {
	rec, err := r.Single(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := r.Consume(ctx); err != nil {
		return nil, err
	}
	return rec, nil
}
