// Package depc holds the domain of depc, a dependency-graph QoS platform:
// the types every layer speaks (teams, nodes, relations, periods, sources,
// checks, rules, configs, runs, day results), the interfaces of the stores and
// sources with their contracts, and the error codes that the HTTP layer maps
// to statuses.
//
// Adapters live in subpackages named after what they wrap (graph/neo4j,
// graph/embedded, state/sqlite, source/prometheus, consumer, api); only
// cmd/depc knows every concrete type. The pure QoS engine is package qos.
package depc
