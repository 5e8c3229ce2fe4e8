import { describe, expect, it, vi } from 'vitest'
import { ancestorLabels, impactedQuery, impactedText } from './Explorer'

// The router reads the browser's location when it loads; Vitest runs in Node.
vi.hoisted(() => {
  Object.assign(globalThis, { window: { location: { pathname: '/', search: '' }, addEventListener: () => {} } })
})

const labels = [
  { name: 'Apache', nodes: 2, qos: 'rule.Servers' },
  { name: 'Filer', nodes: 2, qos: 'rule.Servers' },
  { name: 'Website', nodes: 2, qos: 'operation.AND[Filer, Apache]' },
  { name: 'Offer', nodes: 1, qos: 'aggregation.AVERAGE[Website]' },
  { name: 'Customer', nodes: 3, qos: 'operation.ATLEAST(1)[Website]' },
  { name: 'Orphan', nodes: 4, qos: null },
]

describe('impacted query', () => {
  it('offers only the labels above the node\'s in the config, transitively', () => {
    expect(ancestorLabels(labels, 'Filer')).toEqual(['Customer', 'Offer', 'Website'])
    expect(ancestorLabels(labels, 'Website')).toEqual(['Customer', 'Offer'])
    expect(ancestorLabels(labels, 'Offer')).toEqual([])
    expect(ancestorLabels(labels, 'Orphan')).toEqual([])
  })

  it('says 1 node depends, 2 nodes depend', () => {
    expect(impactedText(1, false, 'Offer', 'filer1')).toBe('1 Offer node depends on filer1:')
    expect(impactedText(2, false, 'Website', 'filer1')).toBe('2 Website nodes depend on filer1:')
    expect(impactedText(1, true, 'Website', 'filer1')).toBe('1+ Website nodes depend on filer1:')
  })

  it('asks the count and the CSV for the label at the instant, or now', () => {
    expect(impactedQuery('Website', 1796428800)).toBe('label=Website&at=1796428800')
    expect(impactedQuery('Offer', null)).toBe('label=Offer')
  })
})
