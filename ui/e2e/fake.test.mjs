// The mock's Fake generator must produce spec/fake-source.md's vectors, so
// that the mock's numbers look like the real demo's.
import { describe, expect, it } from 'vitest'
import { MT19937, generate, koIntervals, seedOf } from './fake.mjs'

const S = 1595980800
const E = 1596067200

describe('fake source vectors', () => {
  it.each([
    ['filer1', 267162989, [3482399479, 4024745415, 276087498]],
    ['apache1', 206524461, [2653446141, 2675781615, 1382546851]],
  ])('%s seed and stream', (name, seed, first) => {
    expect(seedOf(S, E, name)).toBe(seed)
    const g = new MT19937(seed)
    expect([g.u32(), g.u32(), g.u32()]).toEqual(first)
  })
  const sum = (p) => p.reduce((a, [, v]) => a + v, 0)
  const max = (p) => p.reduce((m, [, v], i) => (v > m[0] ? [v, i] : m), [-Infinity, -1])
  it.each([
    ['filer1', 'depc.tutorial.ping', [12, 12, 15, 6, 10, 6, 20, 16, 19, 6], 18436, [133, 392]],
    ['filer1', 'depc.tutorial.oco', Array(10).fill(200), 288400, [300, 694]],
    ['filer1', 'depc.tutorial.dbconnections', [17, 17, 20, 11, 15, 11, 11, 11, 15, 14], 37892, [200, 199]],
    ['filer1', 'depc.tutorial.httpstatus', Array(10).fill(200), 294400, [500, 694]],
    ['apache1', 'depc.tutorial.ping', [18, 20, 8, 9, 6, 14, 11, 13, 9, 14], 18397, [136, 986]],
    ['apache1', 'depc.tutorial.oco', Array(10).fill(200), 292700, [300, 728]],
    ['apache1', 'depc.tutorial.dbconnections', [13, 14, 11, 19, 16, 18, 14, 19, 19, 12], 37845, [200, 273]],
    ['apache1', 'depc.tutorial.httpstatus', Array(10).fill(200), 290500, [500, 495]],
  ])('%s %s', (name, metric, first, total, [mv, mi]) => {
    const p = generate(metric, name, S, E)
    expect(p).toHaveLength(1440)
    expect(p.slice(0, 10).map(([, v]) => v)).toEqual(first)
    expect(sum(p)).toBe(total)
    expect(max(p)).toEqual([mv, mi])
  })
  it('filer1 ping around its anomaly, and the small window', () => {
    expect(generate('depc.tutorial.ping', 'filer1', S, E).slice(388, 396).map(([, v]) => v)).toEqual([6, 18, 15, 74, 133, 43, 18, 6])
    expect(seedOf(0, 600, 'x')).toBe(162220449)
    expect(generate('depc.tutorial.ping', 'x', 0, 600).map(([, v]) => v)).toEqual([18, 16, 14, 13, 5, 15, 12, 13, 8, 16])
  })
  it('turns datapoints into KO intervals with sample and hold', () => {
    const pts = [[0, 10], [60, 30], [120, 10], [180, 30]]
    expect(koIntervals(pts, 'Threshold', '20', 0, 300)).toEqual([{ from: 60, to: 120 }, { from: 180, to: 300 }])
  })
})
