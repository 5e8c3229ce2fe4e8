// Package source groups the time-series sources: source/prometheus and
// source/fake.
package source
