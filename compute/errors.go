package compute

import (
	"cmp"
	"container/heap"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/depc-dev/depc"
)

// errorList collects the failures of nodes and sources that do not stop a
// computation (semantics §7), from several goroutines. It lists at most
// perLabel errors per label and max in all, and counts the others, so that
// one source down for a million nodes gives a readable run. Which errors
// are listed does not depend on the order they came in: the first ones by
// name.
type errorList struct {
	mu       sync.Mutex
	max      int
	perLabel int
	labels   map[string]*errorHeap
	counts   map[string]int
}

func newErrorList(max, perLabel int) *errorList {
	return &errorList{max: max, perLabel: perLabel, labels: map[string]*errorHeap{}, counts: map[string]int{}}
}

func compareError(a, b depc.RunError) int {
	return cmp.Or(strings.Compare(a.Label, b.Label), strings.Compare(a.Name, b.Name), strings.Compare(a.Error, b.Error))
}

// errorHeap is a max-heap: its root is the last error listed, replaced by
// any error that sorts before it.
type errorHeap []depc.RunError

func (h errorHeap) Len() int           { return len(h) }
func (h errorHeap) Less(i, j int) bool { return compareError(h[i], h[j]) > 0 }
func (h errorHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *errorHeap) Push(x any)        { *h = append(*h, x.(depc.RunError)) }
func (h *errorHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// add records an error of the node label/name ("" for the label as a
// whole).
func (l *errorList) add(label, name, msg string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.counts[label]++
	h := l.labels[label]
	if h == nil {
		h = &errorHeap{}
		l.labels[label] = h
	}
	e := depc.RunError{Label: label, Name: name, Error: msg}
	if h.Len() < l.perLabel {
		heap.Push(h, e)
		return
	}
	if compareError(e, (*h)[0]) < 0 {
		(*h)[0] = e
		heap.Fix(h, 0)
	}
}

// Len is the number of errors recorded, listed or not.
func (l *errorList) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, c := range l.counts {
		n += c
	}
	return n
}

// errors returns the listed errors sorted by label, name and text,
// followed by one entry per label whose other errors were only counted.
func (l *errorList) errors() []depc.RunError {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []depc.RunError
	for _, h := range l.labels {
		out = append(out, *h...)
	}
	slices.SortFunc(out, compareError)
	if len(out) > l.max {
		out = out[:l.max]
	}
	listed := map[string]int{}
	for _, e := range out {
		listed[e.Label]++
	}
	labels := make([]string, 0, len(l.counts))
	for label := range l.counts {
		labels = append(labels, label)
	}
	slices.Sort(labels)
	for _, label := range labels {
		if n := l.counts[label] - listed[label]; n > 0 {
			out = append(out, depc.RunError{Label: label, Error: fmt.Sprintf("%d more errors not listed", n)})
		}
	}
	if out == nil {
		out = []depc.RunError{}
	}
	return out
}
