// Package fake is the Fake source of spec/fake-source.md: deterministic probe
// data for demos, the tutorial and tests, with no database behind it.
//
// For a node name and a window it generates one series of one of four
// metrics (Metrics) at 60 s steps over exactly the window. The data is a
// pure function of (metric, window, name): the generator is MT19937 seeded
// from SHA-1("<start>-<end−1>-<name>"), drawing the same stream as NumPy's
// legacy RandomState, so the original DepC tutorial's datasets — and its QoS
// numbers — come out identical.
//
// Generation is the hot path of the nightly benchmark (tens of thousands of
// leaves per day), so a Fetch reuses one generator (twister state and
// permutation buffer) for all its names and allocates only each series'
// point slice.
package fake
