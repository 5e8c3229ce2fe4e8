// Package embedded is the single-machine graph store, kept in the data
// directory.
package embedded
