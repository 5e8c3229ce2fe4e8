// Package source groups depc's time-series sources, each an implementation
// of depc.Source in its own subpackage:
//
//   - source/prometheus reads the Prometheus HTTP API (and compatible APIs):
//     a check's PromQL query is restricted to nodes by adding a matcher on a
//     node label to every series selector, and a run's leaves are fetched
//     in batches of many nodes per query;
//   - source/influxdb reads InfluxDB 1.x with InfluxQL: the node goes into
//     the parsed query as "<tag>" = $name (or depc adds that comparison),
//     and a batch of nodes is one anchored regular expression, every SELECT
//     grouped by the node tag;
//   - source/opentsdb reads OpenTSDB 2.x over /api/query: a check's query is
//     the original DepC's sub-query, and a batch of nodes is one literal_or
//     filter on the node tag, grouped by it (a regular expression for names
//     literal_or cannot take);
//   - source/fake generates deterministic demo data (spec/fake-source.md)
//     and needs no database.
//
// All report per-node problems (a refused query, an unreachable server, a
// bad window) to Fetch's callback for every node concerned, so that a run
// records them and goes on; Fetch itself fails only when its context ends.
//
// Each source package also defines its depc.SourcePlugin (name, Open,
// secret keys, example configuration, query language, suggested checks);
// source/plugins lists them once for cmd/depc, and source/sourcetest is the
// conformance suite of the Fetch contract that every source runs. Adding a
// source is one new package here plus one line in source/plugins.
package source
