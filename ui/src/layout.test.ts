import { describe, expect, it } from 'vitest'
import { layered, layers } from './layout'

describe('layers follow the longest path, so every edge points down', () => {
  it('puts a shared rule below the deepest label using it', () => {
    const ids = ['Offer', 'Website', 'Filer', 'Apache', 'rule']
    const edges = [
      { from: 'Offer', to: 'Website' },
      { from: 'Website', to: 'Filer' },
      { from: 'Filer', to: 'rule' },
      { from: 'Apache', to: 'rule' },
    ]
    const l = layers(ids, edges)
    expect(Object.fromEntries(l)).toEqual({ Offer: 0, Website: 1, Filer: 2, Apache: 2, rule: 3 })
    for (const e of edges) expect(l.get(e.to)!).toBeGreaterThan(l.get(e.from)!)
  })
  it('survives a cycle and ignores unknown ends', () => {
    const l = layers(['A', 'B', 'C'], [{ from: 'A', to: 'B' }, { from: 'B', to: 'A' }, { from: 'C', to: 'X' }])
    expect(l.get('C')).toBe(0)
    expect(l.get('A')).toBe(1)
    expect(l.get('B')).toBe(1)
  })
})

describe('positions', () => {
  it('centres rows, keeps children under parents and never overlaps', () => {
    const ids = ['foo', 'bar', 'f1', 'a1', 'f2', 'a2']
    const edges = [
      { from: 'foo', to: 'f1' },
      { from: 'foo', to: 'a1' },
      { from: 'bar', to: 'f2' },
      { from: 'bar', to: 'a2' },
    ]
    const p = layered(ids, edges, () => 100, { gap: 20, rowHeight: 100 })
    expect(p.get('foo')!.y).toBe(0)
    expect(p.get('f1')!.y).toBe(100)
    const row = ['f1', 'a1', 'f2', 'a2'].map((id) => p.get(id)!.x).sort((a, b) => a - b)
    expect(row[0] + row[3]).toBe(0) // centred
    for (let i = 1; i < row.length; i++) expect(row[i] - row[i - 1]).toBeGreaterThanOrEqual(120)
    // foo's children sit on foo's side.
    const side = (id: string) => Math.sign(p.get(id)!.x)
    expect(side('f1')).toBe(side('foo'))
    expect(side('a1')).toBe(side('foo'))
    expect(side('f2')).toBe(side('bar'))
  })
})
