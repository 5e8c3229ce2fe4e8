import { useMemo } from 'react'
import type { CheckResult, RuleRun } from '../api'
import { useTeam } from '../context'
import { formatDuration, formatInt } from '../format'
import { thresholdLines } from '../qosdata'
import type { Window } from '../time'
import LineChart from './LineChart'
import { QosBadge } from './Qos'
import { Timeline, type Lane } from './Timeline'

/**
 * A rule executed for one node over a window: its QoS and times, the
 * timeline of the rule and of each check, and each check's datapoints
 * against its threshold (the Rules page, and a leaf's node page).
 */
export function RuleResult({ result, window: w }: { result: RuleRun; window: Window }) {
  const { tz } = useTeam()
  const lanes: Lane[] = [
    { key: '__rule', label: <strong>rule (AND)</strong>, name: 'the rule', downtime: result.downtime, unknown: result.qos === null, unknownSeconds: result.unknown, emphasis: true, aside: <QosBadge qos={result.qos} /> },
    ...result.checks.map((c) => ({
      key: c.name,
      label: c.name,
      name: `check ${c.name}`,
      downtime: c.downtime,
      unknown: c.qos === null,
      unknownSeconds: c.unknown,
      aside: <QosBadge qos={c.qos} />,
    })),
  ]
  return (
    <div className="run-result" data-testid="rule-result">
      <dl className="facts">
        <div>
          <dt>QoS</dt>
          <dd>
            <QosBadge qos={result.qos} />
          </dd>
        </div>
        <div>
          <dt>OK</dt>
          <dd>{formatDuration(result.ok)}</dd>
        </div>
        <div>
          <dt>KO</dt>
          <dd>{formatDuration(result.ko)}</dd>
        </div>
        <div>
          <dt>Unknown</dt>
          <dd>{formatDuration(result.unknown)}</dd>
        </div>
      </dl>
      <Timeline window={w} tz={tz} lanes={lanes} caption="OK/KO timeline of the rule and of each check" />
      <table className="data compact">
        <thead>
          <tr>
            <th scope="col">Check</th>
            <th scope="col" className="num">Series</th>
            <th scope="col" className="num">QoS</th>
            <th scope="col" className="num">OK</th>
            <th scope="col" className="num">KO</th>
            <th scope="col" className="num">Unknown</th>
            <th scope="col" className="num">KO intervals</th>
            <th scope="col">Error</th>
          </tr>
        </thead>
        <tbody>
          {result.checks.map((c) => (
            <tr key={c.name}>
              <th scope="row">{c.name}</th>
              <td className="num">{c.series}</td>
              <td className="num">
                <QosBadge qos={c.qos} />
              </td>
              <td className="num">{formatInt(c.ok)} s</td>
              <td className="num">{formatInt(c.ko)} s</td>
              <td className="num">{formatInt(c.unknown)} s</td>
              <td className="num">{c.downtime?.length ?? 0}</td>
              <td>{c.error ? <span className="error-text">{c.error}</span> : c.series === 0 ? <span className="muted">no data</span> : <span className="muted">—</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {result.checks.filter((c) => c.points && c.points.length > 0).map((c) => (
        <PointsChart key={c.name} check={c} />
      ))}
    </div>
  )
}

/** Datapoints of a check with its threshold, when the API sends them (proposed field `points`). */
export function PointsChart({ check }: { check: CheckResult }) {
  const { tz } = useTeam()
  const { x, series } = useMemo(() => {
    const ts = new Set<number>()
    for (const s of check.points!) for (const [t] of s.values) ts.add(t)
    const x = [...ts].sort((a, b) => a - b)
    const series = check.points!.map((s, i) => {
      const by = new Map(s.values)
      return { label: s.name ?? `series ${i + 1}`, values: x.map((t) => (by.has(t) ? by.get(t)! : null)), stepped: true }
    })
    return { x, series }
  }, [check])
  const rules = useMemo(() => thresholdLines(check.type, check.threshold), [check])
  return (
    <figure className="points-chart">
      <figcaption>
        {check.name}: datapoints{rules.length ? ` and ${check.type === 'Interval' ? 'interval' : 'threshold'}` : ''}
        {check.query && <> · query <code className="wrap">{check.query}</code></>}
      </figcaption>
      <LineChart x={x} series={series} tz={tz} kind="value" rules={rules} height={200} ariaLabel={`Datapoints of ${check.name}`} />
    </figure>
  )
}
