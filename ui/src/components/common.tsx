import type { ReactNode } from 'react'
import type { Period, Run } from '../api'
import { formatProgress } from '../format'
import { formatInstant } from '../time'

export function PageHeader({ title, kicker, children }: { title: ReactNode; kicker?: ReactNode; children?: ReactNode }) {
  return (
    <div className="page-header">
      <div>
        {kicker && <div className="kicker">{kicker}</div>}
        <h1 tabIndex={-1}>{title}</h1>
      </div>
      {children && <div className="page-actions">{children}</div>}
    </div>
  )
}

export function Section({ title, id, children, actions }: { title: ReactNode; id?: string; children: ReactNode; actions?: ReactNode }) {
  const hid = id ? `${id}-h` : undefined
  return (
    <section className="panel" aria-labelledby={hid} id={id}>
      <div className="panel-head">
        <h2 id={hid}>{title}</h2>
        {actions && <div className="panel-actions">{actions}</div>}
      </div>
      {children}
    </section>
  )
}

const STATUS_TEXT: Record<string, string> = { queued: 'queued', running: 'running', succeeded: 'succeeded', failed: 'failed' }

export function RunStatus({ run }: { run: Pick<Run, 'status' | 'progress' | 'errors'> }) {
  const errors = run.errors?.length ?? 0
  return (
    <span className="run-status">
      <span className={`status status-${run.status}`}>
        <span aria-hidden="true" className="status-icon">
          {run.status === 'succeeded' ? '✓' : run.status === 'failed' ? '✕' : run.status === 'running' ? '▸' : '…'}
        </span>
        {STATUS_TEXT[run.status] ?? run.status}
      </span>
      {run.status === 'running' && (
        <progress max={1} value={run.progress ?? 0} aria-label="progress">
          {formatProgress(run.progress)}
        </progress>
      )}
      {run.status === 'running' && <span className="muted">{formatProgress(run.progress)}</span>}
      {errors > 0 && <span className="badge warn">{errors} error{errors === 1 ? '' : 's'}</span>}
    </span>
  )
}

/** A run time: Unix seconds or an RFC 3339 string, shown in the team's zone. */
export function RunTime({ at, tz }: { at: number | string | null; tz: string }) {
  if (at === null || at === undefined || at === '') return <span className="muted">—</span>
  const t = typeof at === 'number' ? at : Date.parse(at) / 1000
  if (!Number.isFinite(t)) return <>{String(at)}</>
  return <time dateTime={new Date(t * 1000).toISOString()}>{formatInstant(t, tz)}</time>
}

export function daysText(days: string[]): string {
  if (!days || days.length === 0) return '—'
  if (days.length === 1) return days[0]
  const sorted = [...days].sort()
  return `${sorted[0]} → ${sorted[sorted.length - 1]} (${days.length} days)`
}

/** Periods as text in the team's zone: "since 2026-11-01 10:00", "always". */
export function PeriodsText({ periods, tz }: { periods: Period[] | null | undefined; tz: string }) {
  if (!periods || periods.length === 0) return <span className="muted">never active</span>
  return (
    <ul className="periods">
      {periods.map((p, i) => (
        <li key={i}>{periodText(p, tz)}</li>
      ))}
    </ul>
  )
}

export function periodText(p: Period, tz: string): string {
  if (p.from === null && p.to === null) return 'always'
  if (p.from === null) return `until ${formatInstant(p.to, tz, false)}`
  if (p.to === null) return `since ${formatInstant(p.from, tz, false)}`
  return `${formatInstant(p.from, tz, false)} → ${formatInstant(p.to, tz, false)}`
}

/** Sorts runs newest first: by id (ids increase with every run), numerically when they are numbers. */
export function newestFirst(runs: Run[]): Run[] {
  return [...runs].sort((a, b) => String(b.id).localeCompare(String(a.id), undefined, { numeric: true }))
}
