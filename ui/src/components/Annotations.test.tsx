import { describe, expect, it, vi } from 'vitest'
import { renderToStaticMarkup } from 'react-dom/server'
import type { Annotation, Incident } from '../api'
import { TeamContext, type TeamInfo } from '../context'
import { Review } from '../pages/Incident'
import { NoteForm, NoteList, notesOnTimeline, notesPath, noteSubject } from './Annotations'
import { Timeline } from './Timeline'
import { readWindow } from './WindowPicker'

// The router reads the browser's location when it loads; Vitest runs in Node.
vi.hoisted(() => {
  Object.assign(globalThis, { window: { location: { pathname: '/', search: '', origin: 'http://x' }, addEventListener: () => {} } })
})

const team: TeamInfo = { team: { name: 'acme', timezone: 'Europe/Paris' }, tz: 'Europe/Paris', labels: [], labelsLoaded: true, reloadLabels: () => {} }
const render = (el: React.ReactElement) => renderToStaticMarkup(<TeamContext.Provider value={team}>{el}</TeamContext.Provider>)
const count = (s: string, re: RegExp) => (s.match(re) ?? []).length

// 2026-12-01 23:40 → 2026-12-02 00:25 in Paris.
const from = 1796164800
const note = (id: number, name: string, text: string, extra: Partial<Annotation> = {}): Annotation => ({
  id, label: 'Filer', name, from: from + 600, to: from + 1200, text, author: 'alice', created_at: from + 3000, updated_by: '', updated_at: from + 3000, ...extra,
})

describe('notes', () => {
  it('are read per node (with its label), per label, per window', () => {
    expect(notesPath('acme', { label: 'Filer', name: 'filer 1', window: { start: from, end: from + 2700 } })).toBe(
      '/teams/acme/annotations?label=Filer&name=filer+1&from=2026-12-01T22%3A40%3A00Z&to=2026-12-01T23%3A25%3A00Z',
    )
    expect(notesPath('acme', { label: 'Filer' })).toBe('/teams/acme/annotations?label=Filer')
  })

  it('say what they are about', () => {
    expect(noteSubject({ label: 'Filer', name: 'filer1' })).toBe('Filer filer1')
    expect(noteSubject({ label: 'Filer', name: '' })).toBe('every Filer')
  })

  it('are listed with their range in the team zone, subject, author and text, as text', () => {
    const out = render(<NoteList notes={[note(1, 'filer1', 'disk <b>replaced</b>'), note(2, '', 'all filers', { updated_by: 'bob' })]} onChanged={() => {}} />)
    expect(count(out, /data-testid="note"/g)).toBe(2)
    expect(out).toContain('2026-12-01 23:50:00 → 2026-12-02 00:00:00')
    // The subject links to the node on the note's day, or to the label.
    expect(out).toContain('<a href="/t/acme/labels/Filer/nodes/filer1?day=2026-12-01">Filer filer1</a> · alice')
    expect(out).toContain('<a href="/t/acme/labels/Filer">every Filer</a> · alice · changed by bob')
    // The text is shown, never run as HTML.
    expect(out).toContain('disk &lt;b&gt;replaced&lt;/b&gt;')
    expect(render(<NoteList notes={[]} onChanged={() => {}} empty="Nothing noted." />)).toBe('<p class="muted">Nothing noted.</p>')
  })

  it('are written on the node, or on its whole label, over the window by default', () => {
    const out = render(<NoteForm subject={{ label: 'Filer', name: 'filer1' }} window={{ start: from, end: from + 2700 }} onSaved={() => {}} />)
    expect(out).toContain('aria-label="New note"')
    expect(out).toContain('value="2026-12-01T23:40"')
    expect(out).toContain('value="2026-12-02T00:25"')
    expect(out).toContain('<input type="checkbox"/> on every Filer')
    expect(out).toContain('Note on Filer filer1<textarea')
    expect(out).toContain('Add the note')
  })

  it('are drawn on timelines, with what, who and the text in their tooltip', () => {
    const notes = notesOnTimeline([note(1, 'filer1', 'disk replaced')])
    expect(notes).toEqual([{ key: 1, from: from + 600, to: from + 1200, text: 'Filer filer1 (alice): disk replaced' }])
    const out = render(<Timeline window={{ start: from, end: from + 2700 }} tz="Europe/Paris" lanes={[{ key: 'n', label: 'n', name: 'n', downtime: [] }]} notes={notes} />)
    expect(count(out, /class="tl-note"/g)).toBe(1)
    // Across midnight, the instants of the next day carry their date.
    expect(out).toContain('<title>23:50:00 – 2026-12-02 00:00:00: Filer filer1 (alice): disk replaced</title>')
    expect(out).toContain('aria-label="1 note: 23:50:00–2026-12-02 00:00:00 Filer filer1 (alice): disk replaced"')
    expect(render(<Timeline window={{ start: from, end: from + 2700 }} tz="Europe/Paris" lanes={[]} />)).not.toContain('tl-note')
  })
})

describe('window picker', () => {
  it('reads a window of up to 31 days in the team zone, across midnight', () => {
    expect(readWindow('2026-12-01T23:40', '2026-12-02T00:25', 'Europe/Paris')).toEqual({ start: from, end: from + 2700 })
    expect(readWindow('2026-12-02T00:25', '2026-12-01T23:40', 'Europe/Paris')).toBe('To: must be after From')
    expect(readWindow('', '2026-12-01T23:40', 'UTC')).toBe('From: not a date and time')
    expect(readWindow('2026-11-01T00:00', '2026-12-03T00:00', 'UTC')).toMatch(/^To: a window is at most 31 days/)
  })
})

describe('incident review', () => {
  const leaf = (name: string, seconds: number, share: number) => ({
    label: 'Filer', name, qos: 90, seconds, share,
    checks: [{ name: 'Ping', type: 'Threshold', threshold: '20', ko: seconds, share, evidence: [{ series: 'ping{name="x"}', at: from + 600, value: 120, from: from + 600, to: from + 660 }], evidence_total: 3 }],
  })
  const incident: Incident = {
    team: 'acme', timezone: 'Europe/Paris', node: { label: 'Website', name: 'foo.com' }, window: { from, to: from + 2700 },
    link: 'http://x/t/acme/labels/Website/nodes/foo.com/incident?from=2026-12-01T22:40:00Z&to=2026-12-01T23:25:00Z', generated_at: from + 4000,
    qos: 80, ok: 2160, ko: 540, unknown: 0, downtime: [{ from: from + 600, to: from + 1140 }], lost: 540,
    summary: 'KO 9 min (20 % of the window) because of KO children: filer1 (6 min), filer2 (3 min)',
    causes: [leaf('filer1', 540, 360), leaf('filer2', 180, 180)],
    unexplained: [],
    paths: [{ share: 360, steps: [{ label: 'Website', name: 'foo.com', seconds: 540, share: 540 }, { label: 'Filer', name: 'filer1', seconds: 540, share: 360 }] }],
    reasons: [], children: [],
    graph: { nodes: [{ label: 'Filer', name: 'filer1', qos: 90, share: 360, unexplained: 0, leaf: true }, { label: 'Website', name: 'foo.com', qos: 80, share: 540, unexplained: 0, leaf: false }], edges: [{ from: { label: 'Website', name: 'foo.com' }, to: { label: 'Filer', name: 'filer1' } }] },
    annotations: [note(4, 'filer1', 'disk replaced')],
    errors: [],
  }

  it('shows the summary, the causes ranked with seconds and shares, their evidence and the notes', () => {
    const out = render(<Review x={incident} window={{ start: from, end: from + 2700 }} onNotesChanged={() => {}} />)
    expect(out).toContain(`data-testid="incident-summary">${incident.summary}</p>`)
    expect(count(out, /data-testid="incident-cause"/g)).toBe(2)
    expect(out).toMatch(/filer1<\/a><\/th><td class="num">9 min<\/td><td class="num">66\.7 %<\/td>/)
    expect(count(out, /data-testid="evidence"/g)).toBe(2)
    expect(out).toContain('3 KO datapoints, the first 1 below')
    expect(out).toContain('ping{name=&quot;x&quot;}')
    expect(count(out, /data-testid="note"/g)).toBe(1)
    expect(out).toContain('Notes (1)')
    // The node's timeline, its causes' evidence under it, the notes lane.
    expect(count(out, /class="tl-lane( emphasis)?"/g)).toBe(3)
    expect(count(out, /class="tl-note"/g)).toBe(1)
    // Leaves link to their node page on the window's day.
    expect(out).toContain('href="/t/acme/labels/Filer/nodes/filer1?day=2026-12-01"')
  })
})
