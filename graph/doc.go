// Package graph groups the graph store backends: graph/embedded (the
// single-machine default), graph/neo4j, and graph/graphtest, the conformance
// suite every backend runs.
package graph
