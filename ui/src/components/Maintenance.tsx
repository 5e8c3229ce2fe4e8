import { useState } from 'react'
import { seg, teamPath, type Maintenance, type MaintenanceChange } from '../api'
import { formatDuration } from '../format'
import { formatInstant, parseLocal, toLocalInput } from '../time'
import { daysText } from './common'
import { DeleteButton, EditForm } from './Crud'
import { Field } from './Field'
import { Empty } from './states'

/** The API path of a team's maintenance windows that cover a node (or a label), over [from, to). */
export function maintenancePath(team: string, from: number, to: number, label?: string, name?: string): string {
  const q = new URLSearchParams({ from: String(Math.max(0, Math.floor(from))), to: String(Math.ceil(to)) })
  if (label) q.set('label', label)
  if (label && name) q.set('name', name)
  return `${teamPath(team)}/maintenance?${q}`
}

/** What a window covers, in words. */
export function scopeText(m: Pick<Maintenance, 'label' | 'name'>): string {
  if (!m.label) return 'the whole team'
  if (!m.name) return `every ${m.label}`
  return `${m.label} ${m.name}`
}

/** Maintenance windows with their reasons, each deletable. */
export function MaintenanceList({ team, windows, tz, onChanged }: { team: string; windows: Maintenance[]; tz: string; onChanged: () => void }) {
  if (windows.length === 0) return <Empty>No maintenance window.</Empty>
  return (
    <table className="data compact maintenance-list" aria-label="Maintenance windows">
      <thead>
        <tr>
          <th scope="col">Covers</th>
          <th scope="col">From</th>
          <th scope="col">To</th>
          <th scope="col" className="num">Lasts</th>
          <th scope="col">Reason</th>
          <th scope="col" />
        </tr>
      </thead>
      <tbody>
        {windows.map((m) => (
          <tr key={m.id} data-id={m.id}>
            <td>{scopeText(m)}</td>
            <td>{formatInstant(m.from, tz, false)}</td>
            <td>{formatInstant(m.to, tz, false)}</td>
            <td className="num">{formatDuration(m.to - m.from)}</td>
            <td className="wrap">{m.reason}</td>
            <td className="actions">
              <DeleteButton path={`${teamPath(team)}/maintenance/${seg(String(m.id))}`} what={`window ${m.id}`} onDone={onChanged} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

/**
 * Declares a maintenance window on a node, its label or the whole team.
 * Declared over computed days, the API queues their recompute: the form
 * says which runs.
 */
export function MaintenanceForm({ team, label, name, tz, start, onDone }: {
  team: string
  label: string
  name?: string
  tz: string
  /** Where the form's window starts by default (Unix seconds). */
  start: number
  onDone: (change: MaintenanceChange) => void
}) {
  const [open, setOpen] = useState(false)
  const [scope, setScope] = useState<'node' | 'label' | 'team'>(name ? 'node' : 'label')
  const [from, setFrom] = useState(toLocalInput(start, tz))
  const [to, setTo] = useState(toLocalInput(start + 3600, tz))
  const [reason, setReason] = useState('')
  const [done, setDone] = useState<MaintenanceChange | null>(null)
  return (
    <div className="maintenance-form">
      {done && (
        <p className="notice ok" role="status">
          Window {done.id} declared for {scopeText(done)}.{' '}
          {done.runs.length === 0
            ? 'No computed day changes.'
            : `Recomputing ${done.runs.map((r) => `run ${r.id} (${daysText(r.days)})`).join(', ')}.`}
        </p>
      )}
      {!open ? (
        <button type="button" className="button small" onClick={() => setOpen(true)}>
          Declare a maintenance window
        </button>
      ) : (
        <EditForm<MaintenanceChange>
          title="New maintenance window"
          path={`${teamPath(team)}/maintenance`}
          method="POST"
          submitText="Declare"
          body={() => {
            const f = parseLocal(from, tz)
            const t = parseLocal(to, tz)
            if (f === null) throw new Error('from: a date and time')
            if (t === null) throw new Error('to: a date and time')
            return { label: scope === 'team' ? '' : label, name: scope === 'node' ? name : '', from: f, to: t, reason }
          }}
          onDone={(c) => {
            setDone(c)
            setOpen(false)
            setReason('')
            onDone(c)
          }}
          onCancel={() => setOpen(false)}
        >
          <div className="fields">
            <Field label="Covers">
              {(id) => (
                <select id={id} value={scope} onChange={(e) => setScope(e.target.value as 'node' | 'label' | 'team')}>
                  {name && <option value="node">this node ({name})</option>}
                  <option value="label">every {label}</option>
                  <option value="team">the whole team</option>
                </select>
              )}
            </Field>
            <Field label={`From (${tz})`}>{(id) => <input id={id} type="datetime-local" value={from} onChange={(e) => setFrom(e.target.value)} required />}</Field>
            <Field label={`To (${tz})`}>{(id) => <input id={id} type="datetime-local" value={to} onChange={(e) => setTo(e.target.value)} required />}</Field>
            <Field label="Reason">{(id) => <input id={id} value={reason} onChange={(e) => setReason(e.target.value)} maxLength={500} size={40} required />}</Field>
          </div>
          <p className="help">Time inside the window counts neither OK nor KO. Declared over days already computed, it recomputes them.</p>
        </EditForm>
      )}
    </div>
  )
}
