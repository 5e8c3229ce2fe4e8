// Package memgraph is the in-memory depc.GraphStore that tests use when
// they need a graph store but not a database: the consumer's configuration
// tests and benchmark baselines, the engine's runs in other delivery
// orders, and graphtest itself, which runs its conformance suite against
// it so that a failure in a real backend is the backend's, not the
// suite's.
//
// It follows the whole contract (it passes graphtest.Run), keeps every
// team's graph in maps guarded by one mutex, and delivers snapshots in
// Go's random map order, so that what reads a snapshot is tested against
// every order a store may deliver it in. It is not for production: nothing
// is persisted and every read walks the whole team.
package memgraph
