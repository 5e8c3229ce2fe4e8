package fake

// mt19937 is the 32-bit Mersenne Twister with Matsumoto and Nishimura's
// init_genrand seeding: the generator behind NumPy's legacy RandomState, whose
// stream the original DepC tutorial data came from. It is a value type so a
// generator can be reseeded in place for every node without allocating.
//
// It tempers a whole block of outputs at each twist into out, so that u32 is
// small enough for the compiler to inline into the drawing loops.
type mt19937 struct {
	mt  [mtN]uint32
	out [mtN]uint32
	idx int
}

const (
	mtN       = 624
	mtM       = 397
	matrixA   = 0x9908b0df
	upperMask = 0x80000000
	lowerMask = 0x7fffffff
)

// seed is init_genrand(s).
func (g *mt19937) seed(s uint32) {
	g.mt[0] = s
	for i := 1; i < mtN; i++ {
		prev := g.mt[i-1]
		g.mt[i] = 1812433253*(prev^(prev>>30)) + uint32(i)
	}
	g.idx = mtN
}

// twist regenerates the state's 624 words. The three loops avoid a modulo
// per word.
func (g *mt19937) twist() {
	mt := &g.mt
	var i int
	for ; i < mtN-mtM; i++ {
		y := mt[i]&upperMask | mt[i+1]&lowerMask
		mt[i] = mt[i+mtM] ^ y>>1 ^ (y&1)*matrixA
	}
	for ; i < mtN-1; i++ {
		y := mt[i]&upperMask | mt[i+1]&lowerMask
		mt[i] = mt[i+mtM-mtN] ^ y>>1 ^ (y&1)*matrixA
	}
	y := mt[mtN-1]&upperMask | mt[0]&lowerMask
	mt[mtN-1] = mt[mtM-1] ^ y>>1 ^ (y&1)*matrixA
	for i, y := range mt {
		y ^= y >> 11
		y ^= y << 7 & 0x9d2c5680
		y ^= y << 15 & 0xefc60000
		y ^= y >> 18
		g.out[i] = y
	}
	g.idx = 0
}

// u32 is the next tempered 32-bit output (genrand_int32).
func (g *mt19937) u32() uint32 {
	if g.idx >= mtN {
		g.twist()
	}
	y := g.out[g.idx]
	g.idx++
	return y
}

// bounded draws a uniform integer in [0, r] by masked rejection, exactly as
// NumPy's legacy bounded integers do: the mask is the smallest 2^k−1 ≥ r and
// draws above r are thrown away. bounded(0) draws nothing.
func (g *mt19937) bounded(r uint32) uint32 {
	if r == 0 {
		return 0
	}
	mask := r
	mask |= mask >> 1
	mask |= mask >> 2
	mask |= mask >> 4
	mask |= mask >> 8
	mask |= mask >> 16
	for {
		if v := g.u32() & mask; v <= r {
			return v
		}
	}
}

// randint draws a uniform integer in [lo, hi], both inclusive; lo ≤ hi.
func (g *mt19937) randint(lo, hi int) int {
	return lo + int(g.bounded(uint32(hi-lo)))
}
