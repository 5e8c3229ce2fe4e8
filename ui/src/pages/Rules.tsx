import { useEffect, useState, type FormEvent } from 'react'
import { request, seg, teamPath, type ApiError, type Check, type Rule, type RuleRun } from '../api'
import { PageHeader, Section } from '../components/common'
import { EditForm, RowActions } from '../components/Crud'
import { ResourceTable } from '../components/ResourceTable'
import { RuleResult } from '../components/RuleResult'
import { Async, Empty, ErrorBox, Loading } from '../components/states'
import { useTeam } from '../context'
import { toApiError, useApi, useTitle } from '../hooks'
import { VariablesEditor } from '../components/Variables'
import { setParams, useParams } from '../router'
import { dayWindow, isDay, parseLocal, toLocalInput, yesterday, type Window } from '../time'

export default function Rules() {
  const { team } = useTeam()
  useTitle(`Rules · ${team.name}`)
  const list = useApi<Rule[]>(`${teamPath(team.name)}/rules`)
  const checks = useApi<Check[]>(`${teamPath(team.name)}/checks`)
  const [editing, setEditing] = useState<Rule | 'new' | null>(null)
  const [vars, setVars] = useState<string | null>(null)
  return (
    <>
      <PageHeader title="Rules" kicker={team.name}>
        <button type="button" className="button primary" onClick={() => setEditing('new')}>
          New rule
        </button>
      </PageHeader>
      <p className="help">A rule is a named set of checks; a node's timeline under a rule is the AND of its checks' timelines (checks without data are left out).</p>
      {editing && checks.data && (
        <RuleForm key={editing === 'new' ? 'new' : editing.name} rule={editing === 'new' ? null : editing} checks={checks.data} done={() => { setEditing(null); list.reload() }} cancel={() => setEditing(null)} />
      )}
      {vars && (
        <Section title={`Variables of ${vars}`} id="rule-variables">
          <VariablesEditor key={vars} url={`${teamPath(team.name)}/rules/${seg(vars)}/variables`} scope="rule" onClose={() => setVars(null)} />
        </Section>
      )}
      <Section title="All rules" id="rules">
        <Async {...list} what="Loading rules">
          {(rules) => (
            <ResourceTable
              rows={rules}
              rowKey={(r) => r.name}
              columns={[
                { header: 'Name', cell: (r) => r.name },
                { header: 'Checks', cell: (r) => r.checks.join(', ') },
              ]}
              actions={(r) => (
                <RowActions onEdit={() => setEditing(r)} path={`${teamPath(team.name)}/rules/${seg(r.name)}`} what={r.name} onDeleted={list.reload}>
                  <button type="button" className="button small ghost" onClick={() => setParams({ rule: r.name })}>Run…</button>
                  <button type="button" className="button small ghost" onClick={() => setVars(r.name)}>Variables</button>
                </RowActions>
              )}
              empty="No rule yet."
            />
          )}
        </Async>
      </Section>
      {list.data && list.data.length > 0 && <RunPanel rules={list.data} />}
    </>
  )
}

function RuleForm({ rule, checks, done, cancel }: { rule: Rule | null; checks: Check[]; done: () => void; cancel: () => void }) {
  const { team } = useTeam()
  const [name, setName] = useState(rule?.name ?? '')
  const [chosen, setChosen] = useState<string[]>(rule?.checks ?? [])
  return (
    <EditForm<Rule>
      title={rule ? `Edit rule ${rule.name}` : 'New rule'}
      path={rule ? `${teamPath(team.name)}/rules/${seg(rule.name)}` : `${teamPath(team.name)}/rules`}
      method={rule ? 'PUT' : 'POST'}
      body={() => ({ name, checks: chosen })}
      onDone={done}
      onCancel={cancel}
    >
      <label>
        Name <input value={name} onChange={(e) => setName(e.target.value)} required disabled={Boolean(rule)} />
      </label>
      <fieldset>
        <legend>Checks</legend>
        {checks.length === 0 && <p className="muted">No check yet.</p>}
        {checks.map((c) => (
          <label key={c.name} className="checkbox">
            <input
              type="checkbox"
              checked={chosen.includes(c.name)}
              onChange={(e) => setChosen(e.target.checked ? [...chosen, c.name] : chosen.filter((x) => x !== c.name))}
            />{' '}
            {c.name} <span className="muted">({c.type} {c.parameters?.threshold} on {c.source})</span>
          </label>
        ))}
      </fieldset>
    </EditForm>
  )
}

/** The window a run covers, from the URL: a day, or start and end instants. */
function windowFromParams(params: URLSearchParams, tz: string): { window: Window; day: string | null } {
  const s = Number(params.get('start'))
  const e = Number(params.get('end'))
  if (params.get('start') && params.get('end') && Number.isInteger(s) && Number.isInteger(e) && e > s) return { window: { start: s, end: e }, day: null }
  const d = params.get('day')
  const day = isDay(d) ? d : yesterday(tz)
  return { window: dayWindow(day, tz), day }
}

function RunPanel({ rules }: { rules: Rule[] }) {
  const { team, tz } = useTeam()
  const params = useParams()
  const rule = params.get('rule') ?? ''
  const node = params.get('node') ?? ''
  const { window: w, day } = windowFromParams(params, tz)
  const [form, setForm] = useState({ rule: rule || rules[0].name, node, day: day ?? '', start: toLocalInput(w.start, tz), end: toLocalInput(w.end, tz), custom: day === null })
  const [result, setResult] = useState<RuleRun | null>(null)
  const [error, setError] = useState<ApiError | null>(null)
  const [busy, setBusy] = useState(false)
  const key = `${rule}\u0000${node}\u0000${w.start}\u0000${w.end}`

  useEffect(() => {
    setForm((f) => ({ ...f, rule: rule || f.rule, node: node || f.node, day: day ?? f.day, start: toLocalInput(w.start, tz), end: toLocalInput(w.end, tz), custom: day === null }))
  }, [key]) // eslint-disable-line react-hooks/exhaustive-deps

  // A link with rule, node and window runs at once: executing is read-only.
  useEffect(() => {
    if (!rule || !node) return
    const ctl = new AbortController()
    setBusy(true)
    setError(null)
    request<RuleRun>(`${teamPath(team.name)}/rules/${seg(rule)}/execute`, { method: 'POST', body: { name: node, start: w.start, end: w.end }, signal: ctl.signal }).then(
      (r) => {
        setResult(r)
        setBusy(false)
      },
      (e) => {
        if ((e as Error).name === 'AbortError') return
        setResult(null)
        setError(toApiError(e))
        setBusy(false)
      },
    )
    return () => ctl.abort()
  }, [key, team.name]) // eslint-disable-line react-hooks/exhaustive-deps

  function submit(e: FormEvent) {
    e.preventDefault()
    if (form.custom) {
      const s = parseLocal(form.start, tz)
      const en = parseLocal(form.end, tz)
      if (s === null || en === null || en <= s) {
        setError(toApiError(new Error('window: the end must be after the start')))
        return
      }
      setParams({ rule: form.rule, node: form.node, day: null, start: String(s), end: String(en) })
    } else {
      setParams({ rule: form.rule, node: form.node, day: form.day || null, start: null, end: null })
    }
  }

  return (
    <Section title="Run a rule for a node" id="run">
      <form className="toolbar wrap" onSubmit={submit}>
        <label htmlFor="run-rule">Rule</label>
        <select id="run-rule" value={form.rule} onChange={(e) => setForm({ ...form, rule: e.target.value })}>
            {rules.map((r) => (
              <option key={r.name}>{r.name}</option>
            ))}
        </select>
        <label>
          Node name <input value={form.node} onChange={(e) => setForm({ ...form, node: e.target.value })} required placeholder="filer1" />
        </label>
        <label className="checkbox">
          <input type="checkbox" checked={form.custom} onChange={(e) => setForm({ ...form, custom: e.target.checked })} /> custom window
        </label>
        {form.custom ? (
          <>
            <label>
              From <input type="datetime-local" value={form.start} onChange={(e) => setForm({ ...form, start: e.target.value })} required />
            </label>
            <label>
              to <input type="datetime-local" value={form.end} onChange={(e) => setForm({ ...form, end: e.target.value })} required />
            </label>
          </>
        ) : (
          <label>
            Day <input type="date" value={form.day || yesterday(tz)} onChange={(e) => setForm({ ...form, day: e.target.value })} required />
          </label>
        )}
        <button type="submit" className="button primary">
          Run
        </button>
      </form>
      {error && <ErrorBox error={error} />}
      {busy && <Loading what={`Running ${rule} for ${node}`} />}
      {!busy && !error && !result && <Empty>Choose a rule, a node and a window, then Run: the checks are queried now and nothing is stored.</Empty>}
      {result && !busy && <RuleResult result={result} window={w} />}
    </Section>
  )
}
