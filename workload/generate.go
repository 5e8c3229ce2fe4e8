package workload

import (
	"math/bits"

	"github.com/depc-dev/depc"
)

// Generate streams the size's events in batches of batchSize (the last one
// may be shorter) through emit, which must not keep the slice: it is reused
// for the next batch, so memory stays at one batch whatever the size. An
// error from emit stops the generation and is returned.
//
// Every relation gets an open some time in the 30 days before the first
// benchmark day. A fraction Changes of relations changes during the days:
// half also get a close inside them, half get a span inside them instead of
// the open. A fraction NodeChanges of nodes gets an open inside the days.
// Which ones, and when, is a pure function of the seed and the entity, so
// the same size always gives the same events in the same order. Labels come
// in dependency order and, within a label, a node's relations come together
// (a website's filer and apache), as a producer describing one node at a
// time would send them.
func (s Size) Generate(batchSize int, emit func([]depc.Event) error) error {
	if err := s.Validate(); err != nil {
		return err
	}
	if batchSize < 1 {
		return depc.Errorf(depc.EINVALID, "batch size: %d is below 1", batchSize)
	}
	g := &generator{s: s, emit: emit, buf: make([]depc.Event, 0, batchSize), namers: map[string]namer{}}
	for _, l := range s.Labels {
		g.namers[l.Name] = newNamer(l.Name, l.Count)
	}
	for li, l := range s.Labels {
		for i := range l.Count {
			if g.chance(s.NodeChanges, kindNode, uint64(li), uint64(i), 0) {
				k := depc.NodeKey{Label: l.Name, Name: g.namers[l.Name].name(i)}
				at := s.Start + int64(g.hash(kindNodeTime, uint64(li), uint64(i), 0)%uint64(int64(s.Days)*Day))
				if err := g.add(depc.Event{Node: k, Kind: depc.EventOpen, From: at}); err != nil {
					return err
				}
			}
		}
		if err := g.label(li, l); err != nil {
			return err
		}
	}
	return g.flush()
}

// Domains of the hash, so that independent choices do not correlate.
const (
	kindNode = iota + 1
	kindNodeTime
	kindChild
	kindRelation
	kindRelationTime
)

type generator struct {
	s      Size
	emit   func([]depc.Event) error
	buf    []depc.Event
	namers map[string]namer
}

func (g *generator) add(e depc.Event) error {
	g.buf = append(g.buf, e)
	if len(g.buf) == cap(g.buf) {
		return g.flush()
	}
	return nil
}

func (g *generator) flush() error {
	if len(g.buf) == 0 {
		return nil
	}
	err := g.emit(g.buf)
	g.buf = g.buf[:0]
	return err
}

// hash is splitmix64 over the seed and the parts: a stateless random
// function, so any entity's choices can be recomputed alone.
func (g *generator) hash(kind int, a, b, c uint64) uint64 {
	return mix(mix(mix(mix(g.s.Seed^uint64(kind))^a)^b) ^ c)
}

func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// chance reports true for a fraction p of the entities.
func (g *generator) chance(p float64, kind int, a, b, c uint64) bool {
	return float64(g.hash(kind, a, b, c)>>11)/(1<<53) < p
}

// permutation is x -> (a·x + b) mod n with a coprime to n: a bijection of
// [0, n) that scatters neighbours, so that consecutive parents do not share
// children.
type permutation struct{ a, b, n uint64 }

func newPermutation(n, seed uint64) permutation {
	p := permutation{n: n}
	if n <= 1 {
		return p
	}
	p.a = mix(seed)%n | 1
	for gcd(p.a, n) != 1 {
		p.a = (p.a + 2) % n
		if p.a == 0 {
			p.a = 1
		}
	}
	p.b = mix(seed+1) % n
	return p
}

func (p permutation) at(x uint64) uint64 {
	if p.n <= 1 {
		return 0
	}
	hi, lo := bits.Mul64(p.a, x)
	_, r := bits.Div64(hi%p.n, lo, p.n)
	return (r + p.b) % p.n
}

func gcd(a, b uint64) uint64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// label emits the relations of label l's nodes. Dependencies of a fixed
// number of children go parent by parent, each parent's relations together
// (its Filer and its Apache), as a producer describing one node at a time
// sends them; "share" dependencies go child by child.
func (g *generator) label(li int, l Label) error {
	s := g.s
	type fanOut struct {
		di    int
		d     Dependency
		count int // nodes of d.Label
		k     int
		perm  permutation
	}
	var fixed []fanOut
	for di, d := range l.DependsOn {
		child := s.label(d.Label)
		seed := g.hash(kindChild, uint64(li), uint64(di), 0)
		if d.PerNode == 0 {
			// Every child gets one parent; parents split the children evenly.
			perm := newPermutation(uint64(child.Count), seed)
			for c := range child.Count {
				p := int(perm.at(uint64(c)) % uint64(l.Count))
				if err := g.relation(li, di, l.Name, p, d.Label, c); err != nil {
					return err
				}
			}
			continue
		}
		k := min(d.PerNode, child.Count)
		fixed = append(fixed, fanOut{di: di, d: d, count: child.Count, k: k, perm: newPermutation(uint64(l.Count)*uint64(k), seed)})
	}
	if len(fixed) == 0 {
		return nil
	}
	var chosen []int
	for p := range l.Count {
		for _, f := range fixed {
			chosen = chosen[:0]
			for j := range f.k {
				c := int(f.perm.at(uint64(p*f.k+j)) % uint64(f.count))
				for contains(chosen, c) { // only when a parent has more children than distinct slots give
					c = (c + 1) % f.count
				}
				chosen = append(chosen, c)
				if err := g.relation(li, f.di, l.Name, p, f.d.Label, c); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func contains(xs []int, x int) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// relation emits the events of parent p DEPENDS_ON child c.
func (g *generator) relation(li, di int, parentLabel string, p int, childLabel string, c int) error {
	s := g.s
	e := depc.Event{
		Node:   depc.NodeKey{Label: parentLabel, Name: g.namers[parentLabel].name(p)},
		Target: depc.NodeKey{Label: childLabel, Name: g.namers[childLabel].name(c)},
	}
	id := uint64(li)<<56 | uint64(di)<<48 | uint64(p)
	r := g.hash(kindRelation, id, uint64(c), 0)
	t := g.hash(kindRelationTime, id, uint64(c), 0)
	days := uint64(int64(s.Days) * Day)
	opened := s.Start - 30*Day + int64(t%(29*Day))
	inside := s.Start + int64((t>>24)%days)
	switch u := float64(r>>11) / (1 << 53); {
	case u < s.Changes/2: // ends during the days
		e.Kind, e.From = depc.EventOpen, opened
		if err := g.add(e); err != nil {
			return err
		}
		e.Kind, e.From, e.To = depc.EventClose, 0, inside+1
		return g.add(e)
	case u < s.Changes: // exists only during the days
		end := min(inside+1+int64((t>>40)%(Day/2)), s.Start+int64(days))
		e.Kind, e.From, e.To = depc.EventSpan, inside, max(end, inside+1)
		return g.add(e)
	default:
		e.Kind, e.From = depc.EventOpen, opened
		return g.add(e)
	}
}
