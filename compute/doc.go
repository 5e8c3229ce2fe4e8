// Package compute runs one team for one day: snapshot, sources, engine,
// results; and root-cause attribution.
package compute
