// The Fake source of spec/fake-source.md, for the mock API: the same
// deterministic datapoints depc's Fake source generates, so the mock's
// timelines look like the real demo's. Checked against the spec's vectors in
// fake.test.mjs.

import { createHash } from 'node:crypto'

/** MT19937 as NumPy's legacy RandomState(seed). */
export class MT19937 {
  constructor(seed) {
    this.mt = new Uint32Array(624)
    this.i = 624
    this.mt[0] = seed >>> 0
    for (let i = 1; i < 624; i++) {
      const p = this.mt[i - 1] ^ (this.mt[i - 1] >>> 30)
      this.mt[i] = (Math.imul(1812433253, p) + i) >>> 0
    }
  }
  u32() {
    const mt = this.mt
    if (this.i >= 624) {
      for (let k = 0; k < 624; k++) {
        const y = (mt[k] & 0x80000000) | (mt[(k + 1) % 624] & 0x7fffffff)
        mt[k] = mt[(k + 397) % 624] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0)
      }
      this.i = 0
    }
    let y = mt[this.i++]
    y ^= y >>> 11
    y ^= (y << 7) & 0x9d2c5680
    y ^= (y << 15) & 0xefc60000
    y ^= y >>> 18
    return y >>> 0
  }
  bounded(r) {
    if (r === 0) return 0
    let mask = r
    mask |= mask >>> 1
    mask |= mask >>> 2
    mask |= mask >>> 4
    mask |= mask >>> 8
    mask |= mask >>> 16
    let v
    do v = (this.u32() & mask) >>> 0
    while (v > r)
    return v
  }
  randint(lo, hi) {
    return lo + this.bounded(hi - lo)
  }
  choice(n, k) {
    const a = Array.from({ length: n }, (_, i) => i)
    for (let i = n - 1; i >= 1; i--) {
      const j = this.bounded(i)
      ;[a[i], a[j]] = [a[j], a[i]]
    }
    return a.slice(0, k)
  }
}

/** Round half to even. */
export function roundEven(x) {
  const f = Math.floor(x)
  const d = x - f
  if (d > 0.5) return f + 1
  if (d < 0.5) return f
  return f % 2 === 0 ? f : f + 1
}

export function seedOf(start, end, name) {
  const hex = createHash('sha1').update(`${start}-${end - 1}-${name}`, 'ascii').digest('hex')
  return parseInt(hex.slice(0, 7), 16)
}

export const METRICS = ['depc.tutorial.ping', 'depc.tutorial.oco', 'depc.tutorial.dbconnections', 'depc.tutorial.httpstatus']

/** Datapoints [[t, value], …] of one metric for node name over [start, end). */
export function generate(metric, name, start, end) {
  const size = Math.max(0, Math.ceil((end - start) / 60))
  const g = new MT19937(seedOf(start, end, name))
  let v
  switch (metric) {
    case 'depc.tutorial.ping': {
      v = Array.from({ length: size }, () => g.randint(5, 20))
      for (const i of g.choice(size, roundEven(0.001 * size))) {
        if (i - 1 >= 0) v[i - 1] = g.randint(40, 80)
        v[i] = g.randint(100, 200)
        if (i + 1 < size) v[i + 1] = g.randint(40, 80)
      }
      break
    }
    case 'depc.tutorial.oco': {
      v = new Array(size).fill(200)
      for (const i of g.choice(size, roundEven(0.001 * size))) {
        v[i] = 300
        const r = g.randint(0, 50)
        for (let n = 0; n < r; n++) if (i + n < size) v[i + n] = 300
      }
      break
    }
    case 'depc.tutorial.dbconnections': {
      v = Array.from({ length: size }, () => g.randint(10, 20))
      const lin = Array.from({ length: 19 }, (_, i) => 20 + 10 * i)
      for (const i of g.choice(size, roundEven(0.005 * size))) {
        const extra = g.randint(0, 6)
        for (let n = 0; n < 19 + extra; n++) if (i + n < size) v[i + n] = n < 19 ? lin[n] : 200
      }
      break
    }
    case 'depc.tutorial.httpstatus': {
      v = new Array(size).fill(200)
      const err = g.choice(size, roundEven(0.0015 * size))
      const zero = g.choice(size, roundEven(0.001 * size))
      for (const i of zero) v[i] = 0
      for (const i of err) {
        const r = g.randint(1, 20)
        for (let k = 0; k < r; k++) if (i + k < size) v[i + k] = 500
      }
      break
    }
    default:
      throw new Error(`unknown metric ${metric}`)
  }
  return v.map((x, i) => [start + 60 * i, x])
}

/** Whether a value is OK for a Threshold "T" or an Interval "A:B". */
export function isOK(type, threshold, value) {
  if (Number.isNaN(value)) return false
  if (type === 'Interval') {
    const [a, b] = threshold.split(':').map(Number)
    return value >= a && value <= b
  }
  return value <= Number(threshold)
}

/** KO intervals of datapoints under sample and hold over [start, end). */
export function koIntervals(points, type, threshold, start, end) {
  const out = []
  let from = null
  for (let i = 0; i < points.length; i++) {
    const [t, v] = points[i]
    const at = i === 0 ? start : t
    const ko = !isOK(type, threshold, v)
    if (ko && from === null) from = at
    if (!ko && from !== null) {
      out.push({ from, to: at })
      from = null
    }
  }
  if (from !== null) out.push({ from, to: end })
  return out
}
