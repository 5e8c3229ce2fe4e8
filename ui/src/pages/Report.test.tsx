import { describe, expect, it, vi } from 'vitest'
import { renderToStaticMarkup } from 'react-dom/server'
import type { MonthReport } from '../api'
import { TeamContext, type TeamInfo } from '../context'
import { ReportBody } from './Report'

vi.hoisted(() => {
  Object.assign(globalThis, { window: { location: { pathname: '/', search: '', origin: 'http://x' }, addEventListener: () => {} } })
})

const team: TeamInfo = { team: { name: 'acme', timezone: 'UTC' }, tz: 'UTC', labels: [], labelsLoaded: true, reloadLabels: () => {} }
const node = (name: string, qos: number | null, met: boolean | null) => ({
  label: 'Customer', name, objective: { label: 'Customer', name: '', target: 99.9, window: 'rolling_30d' as const },
  qos, met, counted: 86400, pending: 0, allowed: 2678.4, spent: 600, remaining: 2078.4, remaining_ratio: 0.776,
})
const rep: MonthReport = {
  team: 'acme', month: '2026-11', from: '2026-11-01', to: '2026-11-30', complete: true, met: 1, missed: 1, unknown: 1,
  nodes: [node('alpha', 99.95, true), node('beta', 99.5, false), node('gamma', null, null)], errors: [],
}
const render = (r: MonthReport) => renderToStaticMarkup(<TeamContext.Provider value={team}><ReportBody r={r} /></TeamContext.Provider>)

describe('monthly report page', () => {
  it('sums up and lists each node with its outcome and budget', () => {
    const out = render(rep)
    expect(out).toContain('<strong data-testid="report-met">1</strong> met')
    expect(out).toContain('<strong data-testid="report-missed">1</strong> missed')
    expect([...out.matchAll(/data-outcome="([a-z]+)"/g)].map((m) => m[1])).toEqual(['met', 'missed', 'unknown'])
    expect(out).toContain('<span class="missed" data-testid="report-outcome">Missed</span>')
    expect(out).toContain('<span class="unknown" data-testid="report-outcome">No data</span>')
    expect(out).toContain('99.9 % over rolling 30 days')
    expect(out).toContain('href="/t/acme/labels/Customer/nodes/beta"')
    expect(out).toContain('aria-sort="none"')
    expect(out).not.toContain('The month is not over')
  })

  it('says a month not over counts the days so far, and why a report is empty', () => {
    expect(render({ ...rep, complete: false })).toContain('The month is not over')
    expect(render({ ...rep, nodes: [], met: 0, missed: 0, unknown: 0 })).toContain('No objective yet')
  })
})
