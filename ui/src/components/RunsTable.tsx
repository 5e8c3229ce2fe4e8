import type { ReactNode } from 'react'
import type { Run } from '../api'
import { useTeam } from '../context'
import { formatInt } from '../format'
import { Link, urls } from '../router'
import { RunStatus, RunTime, daysText, newestFirst } from './common'
import { ResourceTable, type Column } from './ResourceTable'

/** The runs of GET /runs (a list, or one wrapped in {runs}), newest first. */
export function runList(data: Run[] | { runs: Run[] } | undefined): Run[] {
  if (!data) return []
  return newestFirst(Array.isArray(data) ? data : data.runs ?? [])
}

/** Errors shown inline in the Runs list; the run's page shows them all. */
const INLINE_ERRORS = 20

/** A team's runs, newest first as given: the dashboard's last few, the Runs page's all (with their errors). */
export function RunsTable({ runs, errors = false, empty }: { runs: Run[]; errors?: boolean; empty: ReactNode }) {
  const { team, tz } = useTeam()
  const columns: Column<Run>[] = [
    { header: 'Run', cell: (r) => <Link to={urls.run(team.name, r.id)}>#{String(r.id)}</Link> },
    { header: 'Days', cell: (r) => daysText(r.days) },
    { header: 'Status', cell: (r) => <RunStatus run={r} /> },
    { header: 'Started', cell: (r) => <RunTime at={r.started_at} tz={tz} /> },
    { header: 'Finished', cell: (r) => <RunTime at={r.finished_at} tz={tz} /> },
    { header: 'Nodes', className: 'num', cell: (r) => formatInt(r.nodes) },
  ]
  if (errors) {
    columns.push({
      header: 'Errors',
      cell: (r) =>
        r.errors && r.errors.length > 0 ? (
          <details>
            <summary>
              {r.errors.length} error{r.errors.length === 1 ? '' : 's'}
            </summary>
            <ErrorList errors={r.errors.slice(0, INLINE_ERRORS)} />
            {r.errors.length > INLINE_ERRORS && <Link to={urls.run(team.name, r.id)}>all {r.errors.length}</Link>}
          </details>
        ) : (
          <span className="muted">none</span>
        ),
    })
  }
  return <ResourceTable rows={runs} rowKey={(r) => String(r.id)} columns={columns} rowHeader={false} empty={empty} />
}

/** The nodes (or sources) a run failed on, each linked to its node. */
export function ErrorList({ errors }: { errors: Run['errors'] }) {
  const { team } = useTeam()
  return (
    <ul className="run-errors">
      {errors.map((e, i) => (
        <li key={i}>
          {e.label && e.name ? (
            <Link to={urls.node(team.name, e.label, e.name)}>
              {e.label} {e.name}
            </Link>
          ) : (
            <span>{[e.label, e.name].filter(Boolean).join(' ') || 'run'}</span>
          )}
          : <span className="error-text">{e.error}</span>
        </li>
      ))}
    </ul>
  )
}
