import type { Explanation } from '../api'
import { useTeam } from '../context'
import { formatDuration, formatShare } from '../format'
import { Link, href, urls } from '../router'
import { QosBadge } from './Qos'

/** Children listed before the rest fold away; they are worst first. */
const SHOWN_CHILDREN = 10
/** Causal paths listed. */
const SHOWN_PATHS = 5

/**
 * Why a node was KO (docs/rootcause.md): the one-sentence summary, what no
 * child explains (a node KO on structure), the node's children worst first
 * with their shares of its lost time, and the causal paths down to the
 * leaves. The shares add up to the lost time.
 */
export function ExplanationView({ x, day }: { x: Explanation; day: string }) {
  const { team } = useTeam()
  const lost = x.lost
  const isAggregation = x.ko === null
  const nodeLink = (label: string, name: string) => (
    <Link to={href(urls.node(team.name, label, name), { day })}>
      <span className="muted">{label}</span> {name}
    </Link>
  )
  const rows = x.children.map((c) => (
    <tr key={`${c.label}/${c.name}`}>
      <th scope="row">{nodeLink(c.label, c.name)}</th>
      <td className="num">
        <QosBadge qos={c.qos} />
      </td>
      <td className="num">{formatDuration(c.ko)}</td>
      <td className="num">{isAggregation ? (c.loss === undefined ? '—' : `${c.loss.toFixed(3)} pts`) : formatDuration(c.share)}</td>
      <td className="num">{formatShare(c.share, lost)}</td>
    </tr>
  ))
  const head = (
    <thead>
      <tr>
        <th scope="col">{isAggregation ? 'Child' : 'Child (worst first)'}</th>
        <th scope="col" className="num">Its QoS</th>
        <th scope="col" className="num">{isAggregation ? 'Its KO time' : "KO during the node's KO"}</th>
        <th scope="col" className="num">{isAggregation ? 'Part of the loss' : 'Blamed for'}</th>
        <th scope="col" className="num">Share of the lost time</th>
      </tr>
    </thead>
  )
  return (
    <div className="explanation">
      <p className="lead" data-testid="rc-summary">
        {x.summary}
      </p>
      {x.unexplained.length > 0 && (
        <ul aria-label="Unexplained" data-testid="rc-unexplained">
          {x.unexplained.map((u) => (
            <li key={`${u.node.label}/${u.node.name}`}>
              {nodeLink(u.node.label, u.node.name)} was KO on structure for <strong>{formatDuration(u.seconds)}</strong>: {u.reason}. No child is to blame ({formatShare(u.share, lost)} of the lost time).
            </li>
          ))}
        </ul>
      )}
      {x.children.length > 0 && (
        <table className="data compact" aria-label="Children ranked by their share of the lost time">
          {head}
          <tbody>{rows.slice(0, SHOWN_CHILDREN)}</tbody>
          {rows.length > SHOWN_CHILDREN && (
            <tbody>
              <tr>
                <td colSpan={5}>
                  <details>
                    <summary>{rows.length - SHOWN_CHILDREN} more children</summary>
                    <table className="data compact">
                      <tbody>{rows.slice(SHOWN_CHILDREN)}</tbody>
                    </table>
                  </details>
                </td>
              </tr>
            </tbody>
          )}
        </table>
      )}
      {x.paths.length > 0 && (
        <>
          <h3>Causal paths</h3>
          <ol className="paths" aria-label="Causal paths" data-testid="rc-paths">
            {x.paths.slice(0, SHOWN_PATHS).map((p, i) => (
              <li key={i}>
                {p.steps.map((s, j) => (
                  <span key={`${s.label}/${s.name}`}>
                    {j > 0 && ' → '}
                    {nodeLink(s.label, s.name)}
                    {j > 0 && s.seconds !== null && <span className="muted"> ({formatDuration(s.seconds)} KO)</span>}
                  </span>
                ))}{' '}
                — <strong>{formatDuration(p.share)}</strong> ({formatShare(p.share, lost)})
              </li>
            ))}
          </ol>
        </>
      )}
    </div>
  )
}
