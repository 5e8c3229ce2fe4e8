package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/compute"
	"github.com/depc-dev/depc/graph/embedded"
	"github.com/depc-dev/depc/graph/neo4j"
	"github.com/depc-dev/depc/source/outbound"
	"github.com/depc-dev/depc/source/plugins"
	"github.com/depc-dev/depc/state/postgres"
	"github.com/depc-dev/depc/state/sealed"
	"github.com/depc-dev/depc/state/sqlite"
)

// Where the embedded stores live inside the data directory.
const (
	graphDir  = "graph"
	stateFile = "state.db"
)

// stores are the stores of a process, opened from its Config, and the
// plugins of the sources its teams configure.
type stores struct {
	graph depc.GraphStore
	// state is the state store with the secrets of sources sealed:
	// nothing reads them from the database but through it.
	state  depc.StateStore
	sealed *sealed.Store
	// plugins are the source plugins the teams' sources may use: the one
	// list of source/plugins.
	plugins depc.SourcePlugins
	// guard is the outbound guard of sources.allow, which the requests of
	// sources and alert receivers go through.
	guard *outbound.Guard
}

// openStores opens the graph store (embedded in DataDir/graph, or Neo4j
// when graph.backend is neo4j) and the state store (SQLite in
// DataDir/state.db, or PostgreSQL when state.backend is postgres),
// creating the data directory if needed.
//
// The plugins send their requests through the outbound guard of
// sources.allow, and log there what remote servers answered. The secrets
// of sources are sealed with the key of secret_key (DEPC_SECRET_KEY) or of
// the key file in the data directory, created at first use.
func openStores(ctx context.Context, cfg Config, log *slog.Logger) (*stores, error) {
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return nil, fmt.Errorf("data_dir: %w", err)
	}
	guard, err := outbound.New(cfg.Sources.policy(), log)
	if err != nil {
		return nil, err
	}
	keys, err := secretKeys(cfg, log)
	if err != nil {
		return nil, err
	}
	var g depc.GraphStore
	switch cfg.Graph.Backend {
	case "neo4j":
		n := cfg.Graph.Neo4j
		s, err := neo4j.Open(ctx, neo4j.Config{URI: n.URI, User: n.User, Password: n.Password, Database: n.Database})
		if err != nil {
			return nil, fmt.Errorf("graph store: %w", err)
		}
		g = s
	default:
		s, err := embedded.Open(filepath.Join(cfg.DataDir, graphDir))
		if err != nil {
			return nil, fmt.Errorf("graph store: %w", err)
		}
		g = s
	}
	st, err := openState(ctx, cfg)
	if err != nil {
		g.Close()
		return nil, fmt.Errorf("state store: %w", err)
	}
	ps := plugins.Guarded(guard)
	sst := sealed.Wrap(st, keys, ps)
	return &stores{graph: g, state: sst, sealed: sst, plugins: ps, guard: guard}, nil
}

// openState opens the state store that state.backend names.
func openState(ctx context.Context, cfg Config) (depc.StateStore, error) {
	// A typed nil pointer must not become a non-nil StateStore.
	switch cfg.State.Backend {
	case "postgres":
		s, err := postgres.Open(ctx, cfg.State.Postgres.URL)
		if err != nil {
			return nil, err
		}
		return s, nil
	default:
		s, err := sqlite.Open(filepath.Join(cfg.DataDir, stateFile))
		if err != nil {
			return nil, err
		}
		return s, nil
	}
}

// Close closes both stores.
func (s *stores) Close() error {
	return errors.Join(s.graph.Close(), s.state.Close())
}

// computer returns the computation of days over the stores, set as the
// configuration says (scheduler.compute_ahead).
func (st *stores) computer(cfg Config) *compute.Computer {
	c := compute.New(st.graph, st.state, st.plugins.Open)
	c.NoAhead = !cfg.Scheduler.ComputeAhead
	return c
}
