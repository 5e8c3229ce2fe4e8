import { describe, expect, it, vi } from 'vitest'
import { renderToStaticMarkup } from 'react-dom/server'
import type { Statistics } from '../api'
import { StatisticsView, statisticsPath } from './Statistics'

// The router reads the browser's location when it loads; Vitest runs in Node.
vi.hoisted(() => {
  Object.assign(globalThis, { window: { location: { pathname: '/', search: '', origin: 'http://x' }, addEventListener: () => {} } })
})

const stats: Statistics = {
  start: '2026-11-06',
  end: '2026-12-05',
  labels: [
    { label: 'Website', nodes: 3, with_qos: 2, without_qos: 1, day: '2026-12-05' },
    { label: 'Orphan', nodes: 4, with_qos: 0, without_qos: 4, day: null },
  ],
  days: [{ day: '2026-12-05', nodes: 2 }],
  runs: [
    { id: 7, status: 'succeeded', created_at: 1796428800, duration: 90, days: 1, nodes: 2 },
    { id: 8, status: 'running', created_at: 1796432400, duration: null, days: 1, nodes: 0 },
  ],
}

describe('statistics', () => {
  it('reads the last 30 days', () => {
    expect(statisticsPath('acme', '2026-12-05')).toBe('/teams/acme/statistics?start=2026-11-06&end=2026-12-05')
  })

  it('lists the labels with and without QoS and the runs with their durations', () => {
    const out = renderToStaticMarkup(<StatisticsView stats={stats} tz="UTC" team="acme" />)
    expect(out).toContain('Website')
    expect(out).toContain('Orphan')
    expect((out.match(/<tr[ >]/g) ?? []).length).toBe(2 + 4) // two headers, two labels, two runs
    expect(out).toContain('data-label="Orphan"')
    expect(out).toContain('data-run="8" data-status="running"')
    expect(out).toContain('#7')
    expect(out).toContain('—')
  })
})
