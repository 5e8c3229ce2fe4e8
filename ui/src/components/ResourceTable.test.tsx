import { describe, expect, it, vi } from 'vitest'
import { renderToStaticMarkup } from 'react-dom/server'
import type { Run } from '../api'
import { TeamContext, type TeamInfo } from '../context'
import { ResourceTable, type Column } from './ResourceTable'
import { RunsTable } from './RunsTable'

// The router reads the browser's location when it loads; Vitest runs in Node.
vi.hoisted(() => {
  Object.assign(globalThis, { window: { location: { pathname: '/', search: '' }, addEventListener: () => {} } })
})

interface Thing {
  name: string
  size: number
}

const columns: Column<Thing>[] = [
  { header: 'Name', cell: (t) => t.name },
  { header: 'Size', className: 'num', cell: (t) => t.size },
]
const things: Thing[] = [
  { name: 'a', size: 1 },
  { name: 'b', size: 22 },
]

const html = (el: React.ReactElement) => renderToStaticMarkup(el)
const count = (s: string, re: RegExp) => (s.match(re) ?? []).length

describe('ResourceTable', () => {
  it('shows why the list is empty instead of an empty table', () => {
    const out = html(<ResourceTable rows={[] as Thing[]} rowKey={(t) => t.name} columns={columns} empty="No thing yet." />)
    expect(out).toBe('<div class="state empty">No thing yet.</div>')
  })

  it('has one column heading per column and one row per resource, named by its first cell', () => {
    const out = html(<ResourceTable rows={things} rowKey={(t) => t.name} columns={columns} empty="none" />)
    expect(out).toContain('<table class="data">')
    expect(out).toContain('<th scope="col">Name</th><th scope="col" class="num">Size</th></tr></thead>')
    expect(out).toContain('<tr><th scope="row">a</th><td class="num">1</td></tr>')
    expect(out).toContain('<tr><th scope="row">b</th><td class="num">22</td></tr>')
    expect(out).not.toContain('Actions')
  })

  it('adds an actions column whose heading only screen readers hear', () => {
    const out = html(<ResourceTable rows={things} rowKey={(t) => t.name} columns={columns} actions={(t) => <button type="button">Edit {t.name}</button>} empty="none" />)
    expect(out).toContain('<th scope="col"><span class="visually-hidden">Actions</span></th>')
    expect(out).toContain('<td class="actions"><button type="button">Edit a</button></td>')
    expect(count(out, /<td class="actions">/g)).toBe(2)
  })

  it('leaves the first cell a plain cell without row headers, and takes an accessible name', () => {
    const out = html(<ResourceTable rows={things} rowKey={(_, i) => String(i)} columns={columns} rowHeader={false} label="Things" empty="none" />)
    expect(out).toContain('<table class="data" aria-label="Things">')
    expect(out).toContain('<tr><td>a</td><td class="num">1</td></tr>')
    expect(out).not.toContain('scope="row"')
  })
})

describe('RunsTable', () => {
  const team: TeamInfo = { team: { name: 'acme', timezone: 'UTC' }, tz: 'UTC', labels: [], labelsLoaded: true, reloadLabels: () => {} }
  const run = (id: number, errors: Run['errors'] = []): Run => ({
    id,
    days: ['2026-11-02'],
    status: 'succeeded',
    started_at: 1793577600,
    finished_at: 1793577660,
    nodes: 1234,
    errors,
    progress: 1,
  })
  const render = (el: React.ReactElement) => html(<TeamContext.Provider value={team}>{el}</TeamContext.Provider>)

  it('links each run to its page and shows its figures', () => {
    const out = render(<RunsTable runs={[run(7)]} empty="No run yet." />)
    expect(out).toContain('<td><a href="/t/acme/runs/7">#7</a></td><td>2026-11-02</td>')
    expect(out).toContain('<th scope="col" class="num">Nodes</th>')
    expect(out).not.toContain('Errors')
    expect(out).not.toContain('scope="row"')
  })

  it('lists the errors of each run on the Runs page, at most 20 inline', () => {
    const errors = Array.from({ length: 21 }, (_, i) => ({ label: 'Server', name: `s${i}`, error: 'no data' }))
    const out = render(<RunsTable runs={[run(8, errors), run(9)]} errors empty="No run yet." />)
    expect(out).toContain('<th scope="col">Errors</th>')
    expect(out).toContain('<summary>21 errors</summary>')
    expect(count(out, /<li>/g)).toBe(20)
    expect(out).toContain('<a href="/t/acme/runs/8">all 21</a>')
    expect(out).toContain('<span class="muted">none</span>')
  })

  it('says there is no run', () => {
    expect(render(<RunsTable runs={[]} empty="No run yet." />)).toBe('<div class="state empty">No run yet.</div>')
  })
})
