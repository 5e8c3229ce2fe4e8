package qos

// SetWideChildren sets the number of children from which operations use
// the sorting sweep, and returns a function that restores it: the tests run
// both sweeps on the same inputs.
func SetWideChildren(n int) (restore func()) {
	old := wideChildren
	wideChildren = n
	return func() { wideChildren = old }
}

// DefaultWideChildren is the threshold the package uses.
var DefaultWideChildren = wideChildren
