package fake

import (
	"crypto/sha1"
	"math"
	"strconv"

	"github.com/depc-dev/depc/qos"
)

// Step is the spacing of the generated datapoints in seconds.
const Step = 60

// The metrics of spec/fake-source.md.
const (
	MetricPing          = "depc.tutorial.ping"
	MetricOCO           = "depc.tutorial.oco"
	MetricDBConnections = "depc.tutorial.dbconnections"
	MetricHTTPStatus    = "depc.tutorial.httpstatus"
)

// Metrics lists the metric names a Fake check may query.
var Metrics = []string{MetricPing, MetricOCO, MetricDBConnections, MetricHTTPStatus}

// metric fills the values of pts (their V) for one node and window; the
// generator has been seeded for that node and window.
type metric func(g *generator, pts []qos.Point)

var metrics = map[string]metric{
	MetricPing:          (*generator).ping,
	MetricOCO:           (*generator).oco,
	MetricDBConnections: (*generator).dbConnections,
	MetricHTTPStatus:    (*generator).httpStatus,
}

// generator is the state one goroutine reuses from node to node: the
// twister, the permutation buffer of choice and the seed text. Reusing it is
// what keeps generation free of allocations after the first node.
type generator struct {
	mt   mt19937
	perm []int32
	keep []int32
	text []byte
}

// seedFor returns the seed of a node and window: the first 7 hexadecimal
// digits of SHA-1("<start>-<end−1>-<name>"). The original used inclusive day
// ends, hence end−1.
func (g *generator) seedFor(start, end int64, name string) uint32 {
	g.text = strconv.AppendInt(g.text[:0], start, 10)
	g.text = append(g.text, '-')
	g.text = strconv.AppendInt(g.text, end-1, 10)
	g.text = append(g.text, '-')
	g.text = append(g.text, name...)
	h := sha1.Sum(g.text)
	return uint32(h[0])<<20 | uint32(h[1])<<12 | uint32(h[2])<<4 | uint32(h[3])>>4
}

// fill writes the node's series over [start, start+60·len(pts)) into pts.
func (g *generator) fill(m metric, start, end int64, name string, pts []qos.Point) {
	g.mt.seed(g.seedFor(start, end, name))
	for i := range pts {
		pts[i].T = start + int64(i)*Step
	}
	m(g, pts)
}

// choice returns the first k elements of a Fisher–Yates permutation of
// [0, n) drawn from the end. The whole permutation is drawn even when k is 0,
// because the original drew it and later draws depend on it. The result
// aliases the generator's buffer until the next call.
func (g *generator) choice(n, k int) []int32 {
	if cap(g.perm) < n {
		g.perm = make([]int32, n)
	}
	a := g.perm[:n]
	for i := range a {
		a[i] = int32(i)
	}
	for i := n - 1; i >= 1; i-- {
		j := g.mt.bounded(uint32(i))
		a[i], a[j] = a[j], a[i]
	}
	return a[:k]
}

// count is round-half-to-even(frac × size), as the original's round did.
func count(frac float64, size int) int {
	return int(math.RoundToEven(frac * float64(size)))
}

func (g *generator) ping(v []qos.Point) {
	size := len(v)
	for i := range v {
		v[i].V = float64(g.mt.randint(5, 20))
	}
	for _, i := range g.choice(size, count(0.001, size)) {
		if i-1 >= 0 {
			v[i-1].V = float64(g.mt.randint(40, 80))
		}
		v[i].V = float64(g.mt.randint(100, 200))
		if int(i)+1 < size {
			v[i+1].V = float64(g.mt.randint(40, 80))
		}
	}
}

func (g *generator) oco(v []qos.Point) {
	size := len(v)
	for i := range v {
		v[i].V = 200
	}
	for _, i := range g.choice(size, count(0.001, size)) {
		v[i].V = 300
		r := g.mt.randint(0, 50)
		for n := 0; n < r && int(i)+n < size; n++ {
			v[int(i)+n].V = 300
		}
	}
}

func (g *generator) dbConnections(v []qos.Point) {
	size := len(v)
	for i := range v {
		v[i].V = float64(g.mt.randint(10, 20))
	}
	for _, i := range g.choice(size, count(0.005, size)) {
		extra := g.mt.randint(0, 6)
		// The ramp 20, 30, …, 200 (19 values), then 200 for extra points.
		for n := 0; n < 19+extra && int(i)+n < size; n++ {
			v[int(i)+n].V = float64(20 + 10*min(n, 18))
		}
	}
}

func (g *generator) httpStatus(v []qos.Point) {
	size := len(v)
	for i := range v {
		v[i].V = 200
	}
	// The error indices must outlive the second choice, which reuses the
	// permutation buffer.
	g.keep = append(g.keep[:0], g.choice(size, count(0.0015, size))...)
	for _, i := range g.choice(size, count(0.001, size)) {
		v[i].V = 0
	}
	for _, i := range g.keep {
		r := g.mt.randint(1, 20)
		for k := 0; k < r && int(i)+k < size; k++ {
			v[int(i)+k].V = 500
		}
	}
}
