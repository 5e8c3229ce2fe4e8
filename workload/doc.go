// Package workload generates synthetic dependency graphs of known shape and
// size, deterministically, for benchmarks, tests and demos.
//
// A Size names a shape (its labels, node counts, who depends on whom, and
// the config expression a team would give each label) and the benchmark
// days. The shape is data, so that tools built on this package (a data
// generator writing ingestion messages, config, rules and Fake checks) read
// it instead of restating it. The sizes are:
//
//	tiny        2 Filers, 2 Apaches, 10 Websites, 4 Customers, 2 Offers
//	small       100, 100, 10 000, 1 000, 10
//	bench-100k  1 000, 1 000, 100 000, 10 000, 10
//	bench-1m    10 000, 10 000, 1 000 000, 100 000, 10
//
// Each Website depends on one Filer and one Apache, each Customer on ten
// Websites (three in tiny), each Offer on its share of the Customers.
// Generate streams the events of a size in batches through a callback and
// never holds more than one batch, so bench-1m (3.1 million relations)
// runs in constant memory. Most relations open before the first benchmark
// day and stay open; a small fraction closes, or exists only, during the
// days, so that snapshots of different days differ.
package workload
