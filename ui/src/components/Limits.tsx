// A team's limits (docs/isolation.md): what holds, the admin's overrides and
// the server's defaults; an admin edits the overrides.
import { useState } from 'react'
import { teamPath, type Limits, type TeamLimits } from '../api'
import { EditForm } from './Crud'
import { Field } from './Field'
import { Async } from './states'
import { useApi } from '../hooks'
import { formatInt } from '../format'

type NumberKey = 'labels' | 'nodes' | 'message_bytes' | 'messages_per_second'

const NUMBERS: { key: NumberKey; label: string }[] = [
  { key: 'labels', label: 'Labels' },
  { key: 'nodes', label: 'Nodes' },
  { key: 'message_bytes', label: 'Message bytes' },
  { key: 'messages_per_second', label: 'Messages per second' },
]

const num = (v: number | undefined) => (v ? formatInt(v) : 'no limit')
const own = (v: string | undefined) => (v === 'deny' ? 'no: shared sources only' : 'yes')

/** The limits of a team, editable by an admin. */
export function TeamLimitsPanel({ team, admin }: { team: string; admin: boolean }) {
  const limits = useApi<TeamLimits>(`${teamPath(team)}/limits`)
  const [editing, setEditing] = useState(false)
  return (
    <Async {...limits} what="Loading the limits">
      {(l) => (
        <>
          <table className="data compact" aria-label="Limits">
            <thead>
              <tr>
                <th scope="col">Limit</th>
                <th scope="col">In effect</th>
                <th scope="col">Override</th>
                <th scope="col">Default</th>
              </tr>
            </thead>
            <tbody>
              {NUMBERS.map(({ key, label }) => (
                <tr key={key}>
                  <th scope="row">{label}</th>
                  <td>{num(l.effective[key])}</td>
                  <td>{l.overrides[key] ? formatInt(l.overrides[key]) : '—'}</td>
                  <td>{num(l.defaults[key])}</td>
                </tr>
              ))}
              <tr>
                <th scope="row">May create its own sources</th>
                <td>{own(l.effective.own_sources)}</td>
                <td>{l.overrides.own_sources ?? '—'}</td>
                <td>{own(l.defaults.own_sources)}</td>
              </tr>
            </tbody>
          </table>
          {admin && !editing && (
            <div className="button-row">
              <button type="button" className="button" onClick={() => setEditing(true)}>
                Edit the overrides
              </button>
            </div>
          )}
          {admin && editing && (
            <LimitsForm
              team={team}
              overrides={l.overrides}
              done={() => {
                setEditing(false)
                limits.reload()
              }}
              cancel={() => setEditing(false)}
            />
          )}
        </>
      )}
    </Async>
  )
}

function LimitsForm({ team, overrides, done, cancel }: { team: string; overrides: Limits; done: () => void; cancel: () => void }) {
  const [values, setValues] = useState<Record<NumberKey, string>>(() => {
    const v = {} as Record<NumberKey, string>
    for (const { key } of NUMBERS) v[key] = overrides[key] ? String(overrides[key]) : ''
    return v
  })
  const [ownSources, setOwnSources] = useState(overrides.own_sources ?? '')
  return (
    <EditForm<TeamLimits>
      title={`Limits of ${team}`}
      path={`${teamPath(team)}/limits`}
      method="PUT"
      body={() => {
        const body: Limits = {}
        for (const { key, label } of NUMBERS) {
          const t = values[key].trim()
          if (!t) continue
          const n = Number(t)
          if (!Number.isInteger(n) || n < 0) throw new Error(`${key}: ${label} must be a whole number ≥ 0, not ${JSON.stringify(t)}`)
          if (n > 0) body[key] = n
        }
        if (ownSources === 'allow' || ownSources === 'deny') body.own_sources = ownSources
        return body
      }}
      onDone={done}
      onCancel={cancel}
    >
      <p className="help">An empty field (or 0) takes the server&apos;s default.</p>
      <div className="fields">
        {NUMBERS.map(({ key, label }) => (
          <label key={key}>
            {label} <input inputMode="numeric" value={values[key]} onChange={(e) => setValues({ ...values, [key]: e.target.value })} />
          </label>
        ))}
        <Field label="Own sources">
          {(id) => (
            <select id={id} value={ownSources} onChange={(e) => setOwnSources(e.target.value)}>
              <option value="">default</option>
              <option value="allow">allow</option>
              <option value="deny">deny: shared sources only</option>
            </select>
          )}
        </Field>
      </div>
    </EditForm>
  )
}
