package qos

// KOOverlap returns the seconds during which both t and dep are KO: for a
// node t and one node dep of its dependency subgraph, how much of t's
// downtime dep was down as well (semantics §7, root cause). It walks both
// timelines once; their windows need not be equal, only the instants in
// both count.
func KOOverlap(t, dep Timeline) int64 {
	a, b := t.ivs, dep.ivs
	var sum int64
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		if a[i].State == KO && b[j].State == KO {
			if from, to := max(a[i].From, b[j].From), min(a[i].To, b[j].To); from < to {
				sum += to - from
			}
		}
		if a[i].To <= b[j].To {
			i++
		} else {
			j++
		}
	}
	return sum
}

// RootCause returns, for each timeline of deps, KOOverlap(t, deps[i]):
// the seconds of t's KO time that each dependency explains. Ranking the
// leaves of the subgraph by those seconds says where the downtime came
// from. The result is appended to dst (which may be nil) so that a caller
// attributing many nodes can reuse one slice.
func RootCause(dst []int64, t Timeline, deps []Timeline) []int64 {
	for i := range deps {
		dst = append(dst, KOOverlap(t, deps[i]))
	}
	return dst
}
