import type { Statistics as Stats } from '../api'
import { teamPath } from '../api'
import { PageHeader, Section } from '../components/common'
import { Async } from '../components/states'
import { useTeam } from '../context'
import { useApi, useTitle } from '../hooks'
import { formatDuration, formatInt } from '../format'
import { addDays, formatInstant, today } from '../time'
import { Link, urls } from '../router'

/** How many days the page looks back over. */
const DAYS = 30

/** The path of the statistics of the DAYS days ending with end. */
export function statisticsPath(team: string, end: string): string {
  return `${teamPath(team)}/statistics?start=${addDays(end, -(DAYS - 1))}&end=${end}`
}

/** The original DepC's statistics: nodes with and without QoS per label, runs and their durations. */
export default function Statistics() {
  const { team, tz } = useTeam()
  useTitle(`Statistics · ${team.name}`)
  // Up to today: the runs are those created in the range, and last
  // night's run (of yesterday) was created today.
  const stats = useApi<Stats>(statisticsPath(team.name, today(tz)))
  return (
    <>
      <PageHeader title="Statistics" kicker={team.name} />
      <Async {...stats} what="Loading statistics">
        {(s) => <StatisticsView stats={s} tz={tz} team={team.name} />}
      </Async>
    </>
  )
}

export function StatisticsView({ stats, tz, team }: { stats: Stats; tz: string; team: string }) {
  const longest = Math.max(1, ...stats.runs.map((r) => r.duration ?? 0))
  return (
    <>
      <Section title="Nodes with and without QoS" id="labels">
        <p className="muted">
          From {stats.start} to {stats.end}: a node has a QoS when its label's last computed day computed it.
        </p>
        <table className="data" data-testid="statistics-labels">
          <thead>
            <tr>
              <th scope="col">Label</th>
              <th scope="col" className="num">Nodes</th>
              <th scope="col" className="num">With QoS</th>
              <th scope="col" className="num">Without QoS</th>
              <th scope="col">Day</th>
            </tr>
          </thead>
          <tbody>
            {stats.labels.map((l) => (
              <tr key={l.label} data-label={l.label}>
                <td>
                  <Link to={urls.label(team, l.label)}>{l.label}</Link>
                </td>
                <td className="num">{formatInt(l.nodes)}</td>
                <td className="num">{formatInt(l.with_qos)}</td>
                <td className="num">{formatInt(l.without_qos)}</td>
                <td>{l.day ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Section>
      <Section title="Run durations" id="runs">
        {stats.runs.length === 0 ? (
          <p className="muted">No run in these days.</p>
        ) : (
          <table className="data" data-testid="statistics-runs">
            <thead>
              <tr>
                <th scope="col">Run</th>
                <th scope="col">Created</th>
                <th scope="col">Status</th>
                <th scope="col" className="num">Days</th>
                <th scope="col" className="num">Nodes</th>
                <th scope="col">Duration</th>
              </tr>
            </thead>
            <tbody>
              {stats.runs.map((r) => (
                <tr key={r.id} data-run={r.id} data-status={r.status}>
                  <td>
                    <Link to={urls.run(team, String(r.id))}>#{r.id}</Link>
                  </td>
                  <td>{formatInstant(r.created_at, tz, false)}</td>
                  <td>{r.status}</td>
                  <td className="num">{formatInt(r.days)}</td>
                  <td className="num">{formatInt(r.nodes)}</td>
                  <td>
                    <span className="duration-bar" style={{ width: `${Math.round(((r.duration ?? 0) / longest) * 120)}px` }} aria-hidden="true" />{' '}
                    {r.duration === null ? '—' : formatDuration(r.duration)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>
    </>
  )
}
