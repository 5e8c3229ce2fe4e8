import { useState, type FormEvent } from 'react'
import { request, teamPath, type Annotation, type ApiError } from '../api'
import { useTeam } from '../context'
import { formatDuration } from '../format'
import { toApiError, useApi, useWidth, type Loaded } from '../hooks'
import { Link, href, urls } from '../router'
import { dayOf, formatInstant, isoOf, parseLocal, toLocalInput, type Window } from '../time'
import { segments } from '../timeline'
import type { TimelineNote } from './Timeline'
import { ErrorBox } from './states'

/** What notes to read: of a node (and of its label as a whole), or of a label; over a window. */
export interface NotesQuery {
  label: string
  name?: string
  window?: Window
}

/** The API path listing the notes of a query. */
export function notesPath(team: string, q: NotesQuery): string {
  const p = new URLSearchParams({ label: q.label })
  if (q.name) p.set('name', q.name)
  if (q.window) {
    p.set('from', isoOf(q.window.start))
    p.set('to', isoOf(q.window.end))
  }
  return `${teamPath(team)}/annotations?${p}`
}

/** The team's notes of a node or a label over a window (null: none asked). */
export function useNotes(q: NotesQuery | null): Loaded<Annotation[]> {
  const { team } = useTeam()
  return useApi<Annotation[]>(q ? notesPath(team.name, q) : null)
}

/** What a note is about: "Filer filer1", or "every Filer" for a note on the label. */
export function noteSubject(a: Pick<Annotation, 'label' | 'name'>): string {
  return a.name ? `${a.label} ${a.name}` : `every ${a.label}`
}

/** Notes as timeline markers, their tooltips saying what and who. */
export function notesOnTimeline(notes: readonly Annotation[] | undefined): TimelineNote[] {
  return (notes ?? []).map((a) => ({ key: a.id, from: a.from, to: a.to, text: `${noteSubject(a)} (${a.author}): ${a.text}` }))
}

/**
 * A list of notes, each with its range, subject, author and text; editors
 * change or delete them in place (the API refuses viewers with its message).
 */
export function NoteList({ notes, onChanged, empty = 'No note yet.' }: { notes: Annotation[]; onChanged: () => void; empty?: string }) {
  const { team, tz } = useTeam()
  const [editing, setEditing] = useState<number | null>(null)
  const [error, setError] = useState<ApiError | null>(null)
  if (notes.length === 0) return <p className="muted">{empty}</p>
  async function remove(a: Annotation) {
    setError(null)
    try {
      await request(`${teamPath(team.name)}/annotations/${a.id}`, { method: 'DELETE' })
      onChanged()
    } catch (e) {
      setError(toApiError(e))
    }
  }
  return (
    <>
      {error && <ErrorBox error={error} />}
      <ul className="notes-list" aria-label="Notes">
        {notes.map((a) => (
          <li key={a.id} data-testid="note">
            {editing === a.id ? (
              <NoteForm
                subject={{ label: a.label, name: a.name }}
                window={{ start: a.from, end: a.to }}
                note={a}
                onSaved={() => {
                  setEditing(null)
                  onChanged()
                }}
                onCancel={() => setEditing(null)}
              />
            ) : (
              <>
                <div className="note-meta">
                  <strong>
                    {formatInstant(a.from, tz)} → {formatInstant(a.to, tz)}
                  </strong>{' '}
                  ({formatDuration(a.to - a.from)}) ·{' '}
                  <Link to={a.name ? href(urls.node(team.name, a.label, a.name), { day: dayOf(a.from, tz) }) : urls.label(team.name, a.label)}>{noteSubject(a)}</Link> · {a.author}
                  {a.updated_by && <> · changed by {a.updated_by}</>}
                </div>
                <p className="note-text">{a.text}</p>
                <div className="button-row">
                  <button type="button" className="button small ghost" onClick={() => setEditing(a.id)}>
                    Edit
                  </button>
                  <button type="button" className="button small ghost" onClick={() => remove(a)} aria-label={`Delete the note of ${formatInstant(a.from, tz)} on ${noteSubject(a)}`}>
                    Delete
                  </button>
                </div>
              </>
            )}
          </li>
        ))}
      </ul>
    </>
  )
}

/**
 * The form of a new note (or of a change to one): on the node, or on its
 * whole label, over a range in the team's zone (the window shown, by
 * default), with its text. The author is whoever is signed in.
 */
export function NoteForm({
  subject,
  window: w,
  note,
  onSaved,
  onCancel,
}: {
  subject: { label: string; name?: string }
  window: Window
  note?: Annotation
  onSaved: (a: Annotation) => void
  onCancel?: () => void
}) {
  const { team, tz } = useTeam()
  const [from, setFrom] = useState(toLocalInput(w.start, tz))
  const [to, setTo] = useState(toLocalInput(w.end, tz))
  const [whole, setWhole] = useState(note ? note.name === '' : false)
  const [text, setText] = useState(note?.text ?? '')
  const [error, setError] = useState<ApiError | null>(null)
  const [busy, setBusy] = useState(false)
  async function submit(e: FormEvent) {
    e.preventDefault()
    const start = parseLocal(from, tz)
    const end = parseLocal(to, tz)
    if (start === null || end === null || end <= start) {
      setError(toApiError(new Error('to: the end of the range must be after its start')))
      return
    }
    setBusy(true)
    setError(null)
    try {
      const body = { label: subject.label, name: whole || !subject.name ? '' : subject.name, from: start, to: end, text }
      const saved = note
        ? await request<Annotation>(`${teamPath(team.name)}/annotations/${note.id}`, { method: 'PUT', body })
        : await request<Annotation>(`${teamPath(team.name)}/annotations`, { method: 'POST', body })
      if (!note) setText('')
      onSaved(saved)
    } catch (err) {
      setError(toApiError(err))
    } finally {
      setBusy(false)
    }
  }
  const what = whole || !subject.name ? `every ${subject.label}` : `${subject.label} ${subject.name}`
  return (
    <form className="note-form" onSubmit={submit} aria-label={note ? 'Change the note' : 'New note'}>
      <div className="window-picker">
        <label>
          From <input type="datetime-local" step={1} value={from} onChange={(e) => setFrom(e.target.value)} required />
        </label>
        <label>
          to <input type="datetime-local" step={1} value={to} onChange={(e) => setTo(e.target.value)} required />
        </label>
        <span className="help">({tz})</span>
        {subject.name && (
          <label className="checkbox">
            <input type="checkbox" checked={whole} onChange={(e) => setWhole(e.target.checked)} /> on every {subject.label}
          </label>
        )}
      </div>
      <label>
        Note on {what}
        <textarea value={text} onChange={(e) => setText(e.target.value)} required maxLength={4000} placeholder="What happened, what was done, links to tickets…" />
      </label>
      {error && <ErrorBox error={error} />}
      <div className="button-row">
        <button type="submit" className="button primary small" disabled={busy}>
          {busy ? 'Saving…' : note ? 'Save the note' : 'Add the note'}
        </button>
        {onCancel && (
          <button type="button" className="button small ghost" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  )
}

/**
 * Notes with a form to add one (on the subject, over the window by
 * default): for the node page and the incident view.
 */
export function NotesPanel({ subject, window: w, notes, onChanged, empty }: { subject: { label: string; name?: string }; window: Window; notes: Annotation[]; onChanged: () => void; empty?: string }) {
  const [adding, setAdding] = useState(false)
  return (
    <div className="notes-panel">
      <NoteList notes={notes} onChanged={onChanged} empty={empty ?? 'No note of the team on this window.'} />
      {adding ? (
        <NoteForm
          subject={subject}
          window={w}
          onSaved={() => {
            setAdding(false)
            onChanged()
          }}
          onCancel={() => setAdding(false)}
        />
      ) : (
        <button type="button" className="button small" onClick={() => setAdding(true)}>
          Add a note…
        </button>
      )}
    </div>
  )
}

/**
 * The notes of a long range (the dashboard's days) on one strip: each note
 * a mark where it falls, its tooltip saying what, who and when.
 */
export function NotesStrip({ notes, window: w }: { notes: readonly Annotation[]; window: Window }) {
  const { tz } = useTeam()
  const [ref, width] = useWidth<HTMLDivElement>(800)
  const height = 18
  return (
    <div className="notes-strip" ref={ref}>
      <svg width={width} height={height} role="img" aria-label={`${notes.length} note${notes.length === 1 ? '' : 's'} from ${formatInstant(w.start, tz)} to ${formatInstant(w.end, tz)}`}>
        <rect x="0" y={height / 2 - 1} width={width} height="2" className="notes-strip-axis" />
        {notes.map((a) => {
          const seg = segments([{ from: a.from, to: a.to }], w, width, 4)[0]
          if (!seg) return null
          return (
            <rect key={a.id} x={seg.x} y="2" width={seg.width} height={height - 4} rx="2" className="tl-note">
              <title>{`${formatInstant(a.from, tz)} – ${formatInstant(a.to, tz)}, ${noteSubject(a)} (${a.author}): ${a.text}`}</title>
            </rect>
          )
        })}
      </svg>
      <div className="notes-strip-ends" aria-hidden="true">
        <span>{dayOf(w.start, tz)}</span>
        <span>{dayOf(w.end - 1, tz)}</span>
      </div>
    </div>
  )
}
