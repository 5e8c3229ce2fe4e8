import { describe, expect, it } from 'vitest'
import type { SourcePlugin } from './api'
import { checkParameters, exampleText, findPlugin, freeQuery, pluginChoices, suggestionFor } from './plugins'
// The mock's plugin list, in the shape of GET /plugins.
import fixture from '../e2e/plugins.json'

const plugins = fixture as SourcePlugin[]
const withLabel: SourcePlugin = { name: 'Influx', description: 'd', example: { url: 'http://x' }, secret_keys: ['token'], target_keys: ['url'], query_language: 'InfluxQL', node_label: true, checks: [] }
const closed: SourcePlugin = {
  name: 'Gen',
  description: 'd',
  example: {},
  secret_keys: [],
  target_keys: [],
  query_language: 'metric name',
  node_label: false,
  checks: [{ name: 'Ping', query: 'gen.ping', type: 'Threshold', threshold: '20', description: 'ms' }],
}

describe('source plugins from the API', () => {
  it('finds a plugin by name, or none', () => {
    expect(findPlugin([withLabel, closed], 'Gen')).toBe(closed)
    expect(findPlugin([withLabel, closed], 'Nope')).toBeUndefined()
    expect(findPlugin([withLabel, closed], undefined)).toBeUndefined()
  })

  it('writes queries freely unless the plugin selects the node itself and suggests checks', () => {
    expect(freeQuery(withLabel)).toBe(true)
    expect(freeQuery(closed)).toBe(false)
    expect(freeQuery({ ...closed, checks: [] })).toBe(true)
    expect(freeQuery({ ...closed, free_query: true })).toBe(true)
    expect(freeQuery(undefined)).toBe(true)
    // The server's plugins today: PromQL, InfluxQL, OpenTSDB sub-queries and WarpScript are written, Fake metrics are chosen.
    expect(plugins.map((p) => [p.name, freeQuery(p)])).toEqual([
      ['Prometheus', true],
      ['InfluxDB', true],
      ['OpenTSDB', true],
      ['WarpScript', true],
      ['Fake', false],
    ])
  })

  it('knows the suggested check of a query', () => {
    expect(suggestionFor(closed, 'gen.ping')?.threshold).toBe('20')
    expect(suggestionFor(closed, 'other')).toBeUndefined()
    expect(suggestionFor(undefined, 'gen.ping')).toBeUndefined()
  })

  it('starts a new source from the plugin example', () => {
    expect(exampleText(withLabel)).toBe('{\n  "url": "http://x"\n}')
    expect(exampleText(closed)).toBe('{}')
    expect(exampleText(undefined)).toBe('{}')
  })

  it('sends the node matcher label only to a plugin that has one, keeping the other stored parameters', () => {
    const stored = { query: 'old', threshold: '1', label: 'instance', step: 60 }
    expect(checkParameters(stored, withLabel, 'up', '1:1', 'host')).toEqual({ query: 'up', threshold: '1:1', label: 'host', step: 60 })
    expect(checkParameters(stored, withLabel, 'up', '1:1', '')).toEqual({ query: 'up', threshold: '1:1', step: 60 })
    expect(checkParameters(stored, closed, 'gen.ping', '20', 'host')).toEqual({ query: 'gen.ping', threshold: '20', step: 60 })
    expect(checkParameters(undefined, undefined, 'q', '5', 'host')).toEqual({ query: 'q', threshold: '5' })
  })

  it("offers the server's plugins, and a source's own plugin the server no longer lists", () => {
    expect(pluginChoices(plugins)).toEqual(['Prometheus', 'InfluxDB', 'OpenTSDB', 'WarpScript', 'Fake'])
    expect(pluginChoices(plugins, 'Fake')).toEqual(['Prometheus', 'InfluxDB', 'OpenTSDB', 'WarpScript', 'Fake'])
    expect(pluginChoices(plugins, 'Graphite')).toEqual(['Prometheus', 'InfluxDB', 'OpenTSDB', 'WarpScript', 'Fake', 'Graphite'])
  })
})
