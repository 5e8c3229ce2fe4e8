// The mock answers GET /plugins from its fixture and validates sources and
// checks from the same list, in the shape api/openapi.json gives.
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { METRICS } from './fake.mjs'
import { PLUGINS, startMock } from './mock-server.mjs'

const spec = JSON.parse(readFileSync(new URL('../../api/openapi.json', import.meta.url), 'utf8'))

describe('the mock plugin list', () => {
  it('has the shape of the API schema SourcePlugin', () => {
    const { SourcePlugin, SuggestedCheck } = spec.components.schemas
    expect(spec.paths['/plugins'].get.responses['200'].content['application/json'].schema.items.$ref).toBe('#/components/schemas/SourcePlugin')
    for (const p of PLUGINS) {
      // Every required key, and optional ones (free_query) only as the schema has them.
      expect(Object.keys(p).filter((k) => SourcePlugin.required.includes(k)).sort()).toEqual([...SourcePlugin.required].sort())
      expect(Object.keys(p).filter((k) => !(k in SourcePlugin.properties))).toEqual([])
      for (const c of p.checks) {
        expect(Object.keys(c).sort()).toEqual([...SuggestedCheck.required].sort())
        expect(SuggestedCheck.properties.type.enum).toContain(c.type)
      }
    }
  })

  it("suggests the Fake generator's metrics", () => {
    expect(PLUGINS.find((p) => p.name === 'Fake').checks.map((c) => c.query)).toEqual(METRICS)
  })
})

describe('the mock API', () => {
  let mock
  beforeAll(async () => {
    mock = await startMock()
  })
  afterAll(() => new Promise((ok) => mock.server.close(ok)))
  const call = async (path, method = 'GET', body) => {
    const res = await fetch(`${mock.url}/api/v1${path}`, {
      method,
      headers: { Authorization: 'Bearer demo-token', 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    return { status: res.status, body: res.status === 204 ? null : await res.json() }
  }

  it('lists the plugins to any signed-in user', async () => {
    expect(await call('/plugins')).toEqual({ status: 200, body: PLUGINS })
    const res = await fetch(`${mock.url}/api/v1/plugins`)
    expect(res.status).toBe(401)
  })

  it('refuses a plugin not in the list, naming those that are', async () => {
    const r = await call('/teams/acme/sources', 'POST', { name: 'g', plugin: 'Graphite', configuration: {} })
    expect(r.status).toBe(400)
    expect(r.body.error.message).toBe('plugin: must be one of Prometheus, InfluxDB, OpenTSDB, WarpScript, Fake, not "Graphite"')
  })

  it("needs a URL where the plugin's example has one", async () => {
    expect((await call('/teams/acme/sources', 'POST', { name: 'p', plugin: 'Prometheus', configuration: {} })).body.error.message).toMatch(/^configuration\.url:/)
    expect((await call('/teams/acme/sources', 'POST', { name: 'p', plugin: 'Prometheus', configuration: { url: 'http://127.0.0.1:1' } })).status).toBe(201)
    expect((await call('/teams/acme/sources', 'POST', { name: 'f', plugin: 'Fake' })).status).toBe(201)
  })

  it("takes only the suggested checks' queries for a plugin without a node label", async () => {
    const check = (source, query) => call('/teams/acme/checks', 'POST', { name: `${source} ${query}`, source, type: 'Threshold', parameters: { query, threshold: '20' } })
    const r = await check('f', 'depc.tutorial.nope')
    expect(r.status).toBe(400)
    expect(r.body.error.message).toMatch(/^parameters\.query: unknown metric "depc.tutorial.nope"/)
    expect((await check('f', 'depc.tutorial.ping')).status).toBe(201)
    expect((await check('p', 'rate(http_requests_total[5m])')).status).toBe(201)
  })

  it('keeps a catalog of shared sources, granted to teams as sources of plugin Shared', async () => {
    expect((await call('/shared-sources', 'POST', { name: 'i', plugin: 'InfluxDB', configuration: { url: 'http://x' } })).status).toBe(400)
    const e = await call('/shared-sources', 'POST', { name: 'metrics', plugin: 'Fake', enforce: [{ label: 'team', value: '{team}' }] })
    expect(e.status).toBe(201)
    const g = await call('/shared-sources/metrics/grants/acme', 'PUT', { enforce: [{ label: 'env', value: 'prod' }] })
    expect(g.body.effective).toEqual([{ label: 'team', value: 'acme' }, { label: 'env', value: 'prod' }])
    expect((await call('/teams/acme/shared-sources')).body.map((s) => s.name)).toEqual(['metrics'])
    expect((await call('/shared-sources/metrics', 'DELETE')).status).toBe(409)
    expect((await call('/shared-sources/metrics/grants/acme', 'DELETE')).status).toBe(204)
    expect((await call('/shared-sources/metrics', 'DELETE')).status).toBe(204)
  })

  it("answers and sets a team's limits", async () => {
    expect((await call('/teams/acme/limits', 'PUT', { own_sources: 'maybe' })).status).toBe(400)
    const l = await call('/teams/acme/limits', 'PUT', { labels: 500, own_sources: 'deny' })
    expect(l.body.effective.labels).toBe(500)
    expect(l.body.overrides).toEqual({ labels: 500, own_sources: 'deny' })
    expect((await call('/teams/acme/limits', 'PUT', {})).body.overrides).toEqual({})
  })

  it('renames and deletes a team', async () => {
    expect((await call('/teams', 'POST', { name: 'tmp' })).status).toBe(201)
    expect((await call('/teams/tmp/rename', 'POST', { name: 'acme' })).status).toBe(409)
    expect((await call('/teams/tmp/rename', 'POST', { name: 'tmp2' })).body).toEqual({ name: 'tmp2', timezone: expect.any(String) })
    expect((await call('/teams/tmp2', 'DELETE')).status).toBe(204)
    expect((await call('/teams/tmp2')).status).toBe(404)
  })
})
