import { describe, expect, it, vi } from 'vitest'
import { evidenceSpans, fileName } from './incident'
import { isoOf, MAX_WINDOW, parseIso, windowOfParams } from './time'
import { urls } from './router'

// The router reads the browser's location when it loads; Vitest runs in Node.
vi.hoisted(() => {
  Object.assign(globalThis, { window: { location: { pathname: '/', search: '' }, addEventListener: () => {} } })
})

const point = (from: number, to: number) => ({ at: from, value: 100, from, to })
const check = (...evidence: ReturnType<typeof point>[]) => ({ name: 'Ping', type: 'Threshold', threshold: '20', ko: 60, share: 60, evidence, evidence_total: evidence.length })

describe('evidenceSpans', () => {
  it('merges the held stretches of every check, sorted', () => {
    const leaf = { checks: [check(point(300, 360), point(0, 60), point(60, 120)), check(point(100, 200), point(500, 500))] }
    expect(evidenceSpans(leaf)).toEqual([
      { from: 0, to: 200 },
      { from: 300, to: 360 },
    ])
  })
  it('is empty without evidence', () => {
    expect(evidenceSpans({ checks: [check()] })).toEqual([])
  })
})

describe('fileName', () => {
  it('keeps a readable, safe name', () => {
    expect(fileName('Website', 'foo.com', 1796168400)).toBe('incident-Website-foo.com-20261201T234000Z')
    expect(fileName('Web', 'a/b?c#d', 0)).toBe('incident-Web-a_b_c_d-19700101T000000Z')
    expect(fileName('Web', '../..', 0)).toBe('incident-Web-node-19700101T000000Z')
  })
})

describe('windows in URLs', () => {
  it('writes and reads RFC 3339 instants in UTC', () => {
    expect(isoOf(1796168400)).toBe('2026-12-01T23:40:00Z')
    expect(parseIso('2026-12-01T23:40:00Z')).toBe(1796168400)
    expect(parseIso('2026-12-02T00:40:00+01:00')).toBe(1796168400)
    expect(parseIso('2026-12-01')).toBeNull()
    expect(parseIso('yesterday')).toBeNull()
    expect(parseIso(null)).toBeNull()
  })
  it('takes a window of at most 31 days, end after start', () => {
    const w = (from: string, to: string) => windowOfParams(new URLSearchParams({ from, to }))
    expect(w('2026-12-01T23:40:00Z', '2026-12-02T00:25:00Z')).toEqual({ start: 1796168400, end: 1796171100 })
    expect(w('2026-12-02T00:25:00Z', '2026-12-01T23:40:00Z')).toBeNull()
    expect(w('2026-12-01T00:00:00Z', isoOf(parseIso('2026-12-01T00:00:00Z')! + MAX_WINDOW + 1))).toBeNull()
    expect(windowOfParams(new URLSearchParams({ from: '2026-12-01T23:40:00Z' }))).toBeNull()
  })
  it('gives the incident view a permanent URL', () => {
    expect(urls.incident('acme', 'Website', 'foo.com', { start: 1796168400, end: 1796171100 })).toBe(
      '/t/acme/labels/Website/nodes/foo.com/incident?from=2026-12-01T23:40:00Z&to=2026-12-02T00:25:00Z',
    )
    expect(urls.incident('acme', 'Website', 'a/b', { start: 0, end: 60 })).toBe('/t/acme/labels/Website/nodes/a%2Fb/incident?from=1970-01-01T00:00:00Z&to=1970-01-01T00:01:00Z')
  })
})
