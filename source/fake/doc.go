// Package fake is the deterministic demo source of spec/fake-source.md.
package fake
