// Package statetest is the conformance suite of the state store.
package statetest
