import { useState, type FormEvent } from 'react'
import { request, teamPath, type ApiError, type Run } from '../api'
import { PageHeader, Section, daysText } from '../components/common'
import { RunsTable, runList } from '../components/RunsTable'
import { Async, ErrorBox } from '../components/states'
import { useTeam } from '../context'
import { toApiError, useApi, useInterval, useTitle } from '../hooks'
import { Link, urls } from '../router'
import { addDays, dayDiff, isDay, yesterday } from '../time'

/** How often the list refreshes while a run is queued or running. */
const POLL_MS = 2000

export default function Runs() {
  const { team } = useTeam()
  useTitle(`Runs · ${team.name}`)
  const runs = useApi<Run[] | { runs: Run[] }>(`${teamPath(team.name)}/runs`)
  const list = runList(runs.data)
  const active = list.some((r) => r.status === 'queued' || r.status === 'running')
  useInterval(runs.reload, POLL_MS, active)
  return (
    <>
      <PageHeader title="Runs" kicker={team.name} />
      <StartRun onStarted={runs.reload} />
      <Section title="Runs" id="runs" actions={active ? <span className="muted" role="status">refreshing every {POLL_MS / 1000} s while runs are in progress</span> : <button type="button" className="button small ghost" onClick={runs.reload}>Refresh</button>}>
        <Async {...runs} what="Loading runs">
          {() => <RunsTable runs={list} errors empty="No run yet. A run computes every node of the team for one day; the scheduler starts one each night." />}
        </Async>
      </Section>
    </>
  )
}

function StartRun({ onStarted }: { onStarted: () => void }) {
  const { team, tz } = useTeam()
  const last = yesterday(tz)
  const [from, setFrom] = useState(last)
  const [to, setTo] = useState(last)
  const [error, setError] = useState<ApiError | null>(null)
  const [started, setStarted] = useState<Run | null>(null)
  const [busy, setBusy] = useState(false)
  async function submit(e: FormEvent) {
    e.preventDefault()
    setError(null)
    setStarted(null)
    if (!isDay(from) || !isDay(to)) return
    setBusy(true)
    try {
      const body = from === to ? { day: from } : { from, to }
      const run = await request<Run>(`${teamPath(team.name)}/runs`, { method: 'POST', body })
      setStarted(run)
      onStarted()
    } catch (err) {
      setError(toApiError(err))
    } finally {
      setBusy(false)
    }
  }
  const n = isDay(from) && isDay(to) ? dayDiff(from, to) + 1 : 0
  return (
    <Section title="Recompute days" id="start">
      <form className="toolbar" onSubmit={submit}>
        <label>
          From <input type="date" value={from} max={to || last} onChange={(e) => setFrom(e.target.value)} required />
        </label>
        <label>
          to <input type="date" value={to} min={from} onChange={(e) => setTo(e.target.value)} required />
        </label>
        <button type="submit" className="button primary" disabled={busy || n < 1}>
          {busy ? 'Starting…' : n > 1 ? `Recompute ${n} days` : 'Recompute the day'}
        </button>
        <button type="button" className="button ghost small" onClick={() => { setFrom(addDays(last, -6)); setTo(last) }}>
          last 7 days
        </button>
      </form>
      <p className="help">A run replaces the results of its days atomically; recompute after a late correction of the graph or of measurements.</p>
      {error && <ErrorBox error={error} title="The run was not started" />}
      {started && (
        <p className="notice ok" role="status">
          Run <Link to={urls.run(team.name, started.id)}>#{String(started.id)}</Link> {started.status} for {daysText(started.days)}.
        </p>
      )}
    </Section>
  )
}
