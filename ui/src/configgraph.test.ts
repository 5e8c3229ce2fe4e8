import { describe, expect, it } from 'vitest'
import { labelGraph, labelsIn, parseQos } from './configgraph'

describe('reading a config for its label graph', () => {
  it.each([
    ['rule.Servers', { uses: [], rule: 'Servers', kind: 'rule' }],
    ["rule.'Server Ping'", { uses: [], rule: 'Server Ping', kind: 'rule' }],
    ['operation.AND[Filer, Apache]', { uses: ['Filer', 'Apache'], rule: null, kind: 'operation' }],
    ['operation.AND()[Filer]', { uses: ['Filer'], rule: null, kind: 'operation' }],
    ['operation.RATIO(0.5)[ Server ,Disk ]', { uses: ['Server', 'Disk'], rule: null, kind: 'operation' }],
    ['aggregation.AVERAGE[Website]', { uses: ['Website'], rule: null, kind: 'aggregation' }],
    ['nonsense', { uses: [], rule: null, kind: 'unknown' }],
  ])('%s', (q, want) => {
    expect(parseQos(q)).toEqual(want)
  })
  it('lists labels sorted with what they use', () => {
    const g = labelGraph({ Website: { qos: 'operation.AND[Filer, Apache]' }, Apache: { qos: 'rule.Servers' }, Filer: { qos: 'rule.Servers' } })
    expect(g.map((n) => [n.label, n.uses])).toEqual([['Apache', []], ['Filer', []], ['Website', ['Filer', 'Apache']]])
  })
  it('finds the labels an error message names, as whole words', () => {
    expect(labelsIn('config: Website: label Filers is not configured', ['Website', 'Filer', 'Web'])).toEqual(['Website'])
  })
})
