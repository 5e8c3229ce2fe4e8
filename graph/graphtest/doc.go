// Package graphtest is the conformance suite of depc.GraphStore: every
// backend runs Run against a fresh store.
package graphtest
