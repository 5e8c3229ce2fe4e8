import { useMemo, useState } from 'react'
import { nodePath, requestText, type ApiError, type Incident, type Leaf } from '../api'
import { NotesPanel, notesOnTimeline, noteSubject } from '../components/Annotations'
import { PageHeader, Section } from '../components/common'
import Graph from '../components/Graph'
import { QosBadge, QosLegend } from '../components/Qos'
import { Timeline, type Lane } from '../components/Timeline'
import { WindowPicker } from '../components/WindowPicker'
import { Async, ErrorBox } from '../components/states'
import { useTeam } from '../context'
import { formatDuration, formatInt, formatShare } from '../format'
import { toApiError, useApi, useTitle } from '../hooks'
import { evidenceSpans, fileName } from '../incident'
import { Link, href, navigate, urls, useParams } from '../router'
import { dayOf, dayWindow, formatInstant, isoOf, windowOfParams, yesterday, type Window } from '../time'

/** Causes drawn as timelines under the node's (from their evidence); all are listed. */
const DRAWN = 6

/**
 * The incident view (issue 13): a node over a window, on one page with a
 * permanent URL — its timeline, the causal subgraph, the causes ranked
 * with their seconds and shares, the evidence of each leaf, the team's
 * notes — and the export of all of it as Markdown or JSON for a
 * postmortem.
 */
export default function IncidentPage({ label, name }: { label: string; name: string }) {
  const { team, tz } = useTeam()
  useTitle(`Incident · ${name}`)
  const params = useParams()
  const w: Window = windowOfParams(params) ?? dayWindow(yesterday(tz), tz)
  const path = nodePath(team.name, label, name)
  const query = `from=${isoOf(w.start)}&to=${isoOf(w.end)}`
  const inc = useApi<Incident>(`${path}/incident?${query}`)
  const link = window.location.origin + urls.incident(team.name, label, name, w)
  const day = dayOf(w.start, tz)

  return (
    <>
      <PageHeader title={`Incident: ${name}`} kicker={<><Link to={urls.label(team.name, label)}>{label}</Link> · incident review</>}>
        <Link className="button" to={href(urls.node(team.name, label, name), { day })}>
          Node page
        </Link>
      </PageHeader>

      <Section title={`${formatInstant(w.start, tz)} → ${formatInstant(w.end, tz)} (${formatDuration(w.end - w.start)})`} id="window">
        <WindowPicker window={w} onChange={(nw) => navigate(urls.incident(team.name, label, name, nw))} submitText="Review this window" />
        <p className="help">
          Permanent link: <span className="permalink" data-testid="permalink">{link}</span>
        </p>
        <Export path={`${path}/incident?${query}`} base={fileName(label, name, w.start)} disabled={!inc.data} />
      </Section>

      <Async {...inc} what="Computing the incident from the sources">
        {(x) => <Review x={x} window={w} onNotesChanged={inc.reload} />}
      </Async>
    </>
  )
}

/** Markdown and JSON of the review, to download or copy into a postmortem. */
function Export({ path, base, disabled }: { path: string; base: string; disabled: boolean }) {
  const [error, setError] = useState<ApiError | null>(null)
  const [done, setDone] = useState('')
  async function get(format: 'markdown' | 'json'): Promise<string> {
    setError(null)
    setDone('')
    return requestText(`${path}&format=${format}`)
  }
  async function download(format: 'markdown' | 'json') {
    try {
      const text = await get(format)
      const blob = new Blob([text], { type: format === 'markdown' ? 'text/markdown' : 'application/json' })
      const a = document.createElement('a')
      a.href = URL.createObjectURL(blob)
      a.download = `${base}.${format === 'markdown' ? 'md' : 'json'}`
      document.body.appendChild(a)
      a.click()
      a.remove()
      setTimeout(() => URL.revokeObjectURL(a.href), 1000)
      setDone(`Downloaded ${a.download}.`)
    } catch (e) {
      setError(toApiError(e))
    }
  }
  async function copy() {
    try {
      await navigator.clipboard.writeText(await get('markdown'))
      setDone('The Markdown is in the clipboard.')
    } catch (e) {
      setError(toApiError(e))
    }
  }
  return (
    <div className="export-row" aria-label="Export">
      <button type="button" className="button primary small" disabled={disabled} onClick={() => download('markdown')}>
        Export Markdown
      </button>
      <button type="button" className="button small" disabled={disabled} onClick={copy}>
        Copy Markdown
      </button>
      <button type="button" className="button small" disabled={disabled} onClick={() => download('json')}>
        Export JSON
      </button>
      {done && (
        <span className="muted" role="status">
          {done}
        </span>
      )}
      {error && <ErrorBox error={error} />}
    </div>
  )
}

export function Review({ x, window: w, onNotesChanged }: { x: Incident; window: Window; onNotesChanged: () => void }) {
  const { team, tz } = useTeam()
  const day = dayOf(w.start, tz)
  const nodeLink = (label: string, name: string) => (
    <Link to={href(urls.node(team.name, label, name), { day })}>
      <span className="muted">{label}</span> {name}
    </Link>
  )
  const aggregation = x.ko === null
  const lanes: Lane[] = useMemo(
    () => [
      {
        key: 'node',
        label: <strong>{x.node.name}</strong>,
        name: `${x.node.name} (this node)`,
        downtime: x.downtime ?? [],
        unknown: x.qos === null,
        unknownSeconds: x.unknown,
        emphasis: true,
        aside: <span>{formatDuration(x.ko)} KO</span>,
      },
      ...x.causes.slice(0, DRAWN).map((c) => ({
        key: `${c.label}/${c.name}`,
        label: (
          <span>
            <span className="muted">{c.label}</span> {c.name}
          </span>
        ),
        name: `${c.label} ${c.name}, its KO datapoints (evidence)`,
        downtime: evidenceSpans(c),
        aside: <span>{formatShare(c.share, x.lost)}</span>,
      })),
    ],
    [x],
  )
  const graph = useMemo(() => {
    const id = (n: { label: string; name: string }) => `${n.label}/${n.name}`
    return {
      nodes: x.graph.nodes.map((n) => {
        const root = n.label === x.node.label && n.name === x.node.name
        // The node examined holds all the lost time; the others their share of it.
        const share = !root && n.share > 0 ? ` · ${formatShare(n.share, x.lost)}` : ''
        return { id: id(n), title: n.name, subtitle: `${n.label}${share}${n.unexplained > 0 ? ' · structure' : ''}`, qos: n.qos, root }
      }),
      edges: x.graph.edges.map((e) => ({ from: id(e.from), to: id(e.to) })),
    }
  }, [x])

  return (
    <>
      <Section title="What happened" id="summary">
        <p className="lead" data-testid="incident-summary">
          {x.summary}
        </p>
        <dl className="facts">
          <div>
            <dt>QoS over the window</dt>
            <dd>
              <QosBadge qos={x.qos} />
            </dd>
          </div>
          {!aggregation && (
            <div>
              <dt>KO</dt>
              <dd>{formatDuration(x.ko)}</dd>
            </div>
          )}
          <div>
            <dt>Lost time explained</dt>
            <dd>{formatDuration(Math.round(x.lost))}</dd>
          </div>
          <div>
            <dt>Causes</dt>
            <dd>{formatInt(x.causes.length)}</dd>
          </div>
        </dl>
        {aggregation ? (
          <p className="muted">{x.node.name}'s QoS is an aggregation of its dependencies' QoS: it has a value, not a timeline.</p>
        ) : (
          <Timeline
            window={w}
            tz={tz}
            lanes={lanes}
            notes={notesOnTimeline(x.annotations)}
            guides={x.downtime}
            caption="The node's KO intervals, under it the KO datapoints of its top causes (their evidence), and the team's notes"
          />
        )}
      </Section>

      {graph.nodes.length > 1 && (
        <Section title="Causal subgraph" id="graph">
          <Graph
            nodes={graph.nodes}
            edges={graph.edges}
            height={Math.min(520, 60 + 110 * Math.max(2, ...x.paths.map((p) => p.steps.length)))}
            ariaLabel={`The causal subgraph of ${x.node.name}: ${graph.nodes.length} nodes on its causal paths. The tables below list them.`}
          />
          <QosLegend />
        </Section>
      )}

      <Section title="Causes, ranked" id="causes">
        {x.unexplained.length > 0 && (
          <ul aria-label="Unexplained" data-testid="incident-unexplained">
            {x.unexplained.map((u) => (
              <li key={`${u.node.label}/${u.node.name}`}>
                {nodeLink(u.node.label, u.node.name)} was KO on structure for <strong>{formatDuration(u.seconds)}</strong>: {u.reason}. No child is to blame ({formatShare(u.share, x.lost)} of the lost time).
              </li>
            ))}
          </ul>
        )}
        {x.causes.length === 0 ? (
          <p className="muted">No leaf is blamed for the lost time.</p>
        ) : (
          <table className="data compact" aria-label="Causes ranked by their share of the lost time">
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Leaf</th>
                <th scope="col" className="num">Blamed for</th>
                <th scope="col" className="num">Share of the lost time</th>
                <th scope="col" className="num">Its QoS</th>
                <th scope="col">Evidence</th>
              </tr>
            </thead>
            <tbody>
              {x.causes.map((c, i) => (
                <tr key={`${c.label}/${c.name}`} data-testid="incident-cause">
                  <td>{i + 1}</td>
                  <th scope="row">{nodeLink(c.label, c.name)}</th>
                  <td className="num">{formatDuration(c.seconds)}</td>
                  <td className="num">{formatShare(c.share, x.lost)}</td>
                  <td className="num">
                    <QosBadge qos={c.qos} />
                  </td>
                  <td>{c.checks.some((ch) => ch.evidence.length > 0) ? <a href={`#evidence-${i}`}>datapoints</a> : <span className="muted">—</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {x.paths.length > 0 && (
          <>
            <h3>Causal paths</h3>
            <ol className="paths" aria-label="Causal paths">
              {x.paths.map((p, i) => (
                <li key={i}>
                  {p.steps.map((s, j) => (
                    <span key={`${s.label}/${s.name}`}>
                      {j > 0 && ' → '}
                      {nodeLink(s.label, s.name)}
                      {j > 0 && s.seconds !== null && <span className="muted"> ({formatDuration(s.seconds)} KO)</span>}
                    </span>
                  ))}{' '}
                  — <strong>{formatDuration(Math.round(p.share))}</strong> ({formatShare(p.share, x.lost)})
                </li>
              ))}
            </ol>
          </>
        )}
      </Section>

      <Section title="Evidence" id="evidence">
        {x.causes.every((c) => c.checks.every((ch) => ch.evidence.length === 0)) ? (
          <p className="muted">No datapoint to show.</p>
        ) : (
          x.causes.map((c, i) => <Evidence key={`${c.label}/${c.name}`} leaf={c} index={i} lost={x.lost} />)
        )}
      </Section>

      <Section title={`Notes (${x.annotations.length})`} id="notes">
        <p className="help">The team's notes on the nodes of this incident's subgraph, and on their labels, during the window.</p>
        <NotesPanel subject={{ label: x.node.label, name: x.node.name }} window={w} notes={x.annotations} onChanged={onNotesChanged} empty="No note of the team on this incident yet." />
      </Section>

      {x.errors.length > 0 && (
        <Section title="Errors" id="errors">
          <p className="help">What could not be computed; the figures above leave it out.</p>
          <ul>
            {x.errors.map((e, i) => (
              <li key={i}>
                {e.label && (
                  <strong>
                    {e.label} {e.name}:{' '}
                  </strong>
                )}
                {e.error}
              </li>
            ))}
          </ul>
        </Section>
      )}
      <p className="muted small">
        {x.annotations.length > 0 && `Notes on ${[...new Set(x.annotations.map(noteSubject))].join(', ')}. `}Generated {formatInstant(x.generated_at, tz)}.
      </p>
    </>
  )
}

function Evidence({ leaf, index, lost }: { leaf: Leaf; index: number; lost: number }) {
  const { tz } = useTeam()
  const checks = leaf.checks.filter((ch) => ch.ko > 0)
  if (checks.length === 0) return null
  return (
    <details className="evidence" id={`evidence-${index}`} open={index < 3} data-testid="evidence">
      <summary>
        <strong>
          {leaf.label} {leaf.name}
        </strong>{' '}
        — {formatDuration(leaf.seconds)} ({formatShare(leaf.share, lost)})
      </summary>
      {checks.map((ch) => (
        <div key={ch.name}>
          <p>
            Check <strong>{ch.name}</strong> ({ch.type} {ch.threshold}): KO {formatDuration(ch.ko)}, blamed for {formatDuration(Math.round(ch.share))}; {formatInt(ch.evidence_total)} KO datapoint{ch.evidence_total === 1 ? '' : 's'}
            {ch.evidence_total > ch.evidence.length ? `, the first ${ch.evidence.length} below` : ''}.
          </p>
          {ch.evidence.length > 0 && (
            <table className="data compact evidence-table">
              <thead>
                <tr>
                  <th scope="col">Series</th>
                  <th scope="col">At</th>
                  <th scope="col" className="num">Value</th>
                  <th scope="col">Held until</th>
                </tr>
              </thead>
              <tbody>
                {ch.evidence.map((e, i) => (
                  <tr key={i}>
                    <td className="mono">{e.series ?? ''}</td>
                    <td>{formatInstant(e.at, tz)}</td>
                    <td className="num">{e.value === null ? 'null' : e.value}</td>
                    <td>{formatInstant(e.to, tz)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      ))}
    </details>
  )
}
