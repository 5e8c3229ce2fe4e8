import { useEffect, useMemo, useState, type FormEvent } from 'react'
import { cachedGet, nodePath, pool, type ApiError, type DayQos, type DependenciesResponse, type ImpactedCount, type Label, type NodeKeyPage, type NodeRef, type RootCause } from '../api'
import { DownloadButton } from '../components/Download'
import { parseQos } from '../configgraph'
import { PageHeader, Section } from '../components/common'
import Graph, { type GraphEdge, type GraphNode } from '../components/Graph'
import { QosBadge, QosLegend } from '../components/Qos'
import { Async, Empty, ErrorBox, Loading } from '../components/states'
import { Field } from '../components/Field'
import { useTeam } from '../context'
import { formatInt, formatQos } from '../format'
import { toApiError, useApi, useTitle } from '../hooks'
import { Link, href, setParams, urls, useParams } from '../router'
import { addDays, dayDiff, dayWindow, formatClock, formatInstant, isDay, parseLocal, toLocalInput, yesterday } from '../time'

/** Above this many nodes the drawing gets slow and unreadable; the list still shows all. */
const MAX_DRAWN = 400

export const idOf = (n: NodeRef) => `${n.label}/${n.name}`
/** Labels never hold '/', so the first '/' splits an id back. */
export function refOf(id: string): NodeRef {
  const i = id.indexOf('/')
  return { label: id.slice(0, i), name: id.slice(i + 1) }
}

interface Expansion {
  nodes: NodeRef[]
  edges: GraphEdge[]
}

export default function Explorer({ label, name }: { label: string; name: string }) {
  const { team, tz } = useTeam()
  useTitle(`Explore ${name}`)
  const params = useParams()
  const last = yesterday(tz)
  const p = params.get('day')
  const day = isDay(p) ? p : last
  const rootId = idOf({ label, name })
  const rc = useApi<RootCause>(`${nodePath(team.name, label, name)}/rootcause?day=${day}`)
  const [selected, setSelected] = useState<string | null>(rootId)
  const [expansions, setExpansions] = useState<Record<string, Expansion | 'loading' | ApiError>>({})
  const [extraQos, setExtraQos] = useState<Record<string, number | null>>({})

  // A new day is a new graph: expansions belong to the day they were made on.
  useEffect(() => {
    setExpansions({})
    setExtraQos({})
  }, [day, rootId])

  const { nodes, edges } = useMemo(() => {
    const qos = new Map<string, number | null>()
    const refs = new Map<string, NodeRef>()
    const edgeSet = new Map<string, GraphEdge>()
    for (const n of rc.data?.graph.nodes ?? []) {
      refs.set(idOf(n), n)
      qos.set(idOf(n), n.qos)
    }
    if (!refs.has(rootId)) refs.set(rootId, { label, name })
    for (const e of rc.data?.graph.edges ?? []) {
      const g = { from: idOf(e.from), to: idOf(e.to) }
      edgeSet.set(`${g.from}>${g.to}`, g)
    }
    for (const x of Object.values(expansions)) {
      if (x === 'loading' || x instanceof Error) continue
      for (const n of x.nodes) if (!refs.has(idOf(n))) refs.set(idOf(n), n)
      for (const e of x.edges) edgeSet.set(`${e.from}>${e.to}`, e)
    }
    const nodes: (GraphNode & NodeRef)[] = [...refs.entries()].map(([id, r]) => ({
      id,
      label: r.label,
      name: r.name,
      title: r.name,
      subtitle: r.label,
      qos: qos.has(id) ? qos.get(id)! : id in extraQos ? extraQos[id] : null,
      root: id === rootId,
      expanded: id in expansions,
    }))
    return { nodes, edges: [...edgeSet.values()] }
  }, [rc.data, expansions, extraQos, rootId, label, name])

  async function expand(id: string) {
    if (expansions[id] && !(expansions[id] instanceof Error)) return
    const ref = refOf(id)
    setExpansions((x) => ({ ...x, [id]: 'loading' }))
    try {
      const res = await cachedGet<DependenciesResponse>(`${nodePath(team.name, ref.label, ref.name)}/dependencies?day=${day}`)
      const deps = (res.dependencies ?? []).filter((d) => d.active)
      setExpansions((x) => ({ ...x, [id]: { nodes: deps, edges: deps.map((d) => ({ from: id, to: idOf(d) })) } }))
      const known = new Set(nodes.map((n) => n.id))
      const fresh = deps.filter((d) => !known.has(idOf(d)))
      await pool(fresh, 6, async (d) => {
        try {
          const list = await cachedGet<DayQos[]>(`${nodePath(team.name, d.label, d.name)}/qos?start=${day}&end=${day}`)
          setExtraQos((q) => ({ ...q, [idOf(d)]: list.find((v) => v.day === day)?.qos ?? null }))
        } catch {
          setExtraQos((q) => ({ ...q, [idOf(d)]: null }))
        }
      })
    } catch (e) {
      setExpansions((x) => ({ ...x, [id]: toApiError(e) }))
    }
  }

  const sel = nodes.find((n) => n.id === selected) ?? null
  const sliderStart = dayDiff(addDays(day, -7), addDays(last, -29)) > 0 ? addDays(day, -7) : addDays(last, -29)
  const sliderLen = Math.max(dayDiff(sliderStart, last), dayDiff(sliderStart, day)) + 1

  return (
    <>
      <PageHeader title={`${name}`} kicker={<><Link to={urls.label(team.name, label)}>{label}</Link> · dependency explorer</>}>
        <Link className="button" to={href(urls.node(team.name, label, name), { day })}>
          Node page
        </Link>
      </PageHeader>

      <div className="day-slider card">
        <label htmlFor="day-slider">
          Day <strong>{day}</strong>
        </label>
        <button type="button" className="button small" aria-label="Previous day" onClick={() => setParams({ day: addDays(day, -1) }, { replace: true })}>
          ←
        </button>
        <input
          id="day-slider"
          type="range"
          min={0}
          max={sliderLen - 1}
          value={dayDiff(sliderStart, day)}
          aria-valuetext={day}
          onChange={(e) => setParams({ day: addDays(sliderStart, Number(e.target.value)) }, { replace: true })}
        />
        <button type="button" className="button small" aria-label="Next day" disabled={day >= last} onClick={() => setParams({ day: addDays(day, 1) }, { replace: true })}>
          →
        </button>
        <input type="date" aria-label="Pick a day" value={day} onChange={(e) => isDay(e.target.value) && setParams({ day: e.target.value }, { replace: true })} />
      </div>

      <div className="explorer">
        <div className="explorer-graph card">
          <Async {...rc} what="Loading the subgraph">
            {() =>
              nodes.length > MAX_DRAWN ? (
                <Empty>The subgraph has {formatInt(nodes.length)} nodes on {day}; it is listed on the right instead of drawn.</Empty>
              ) : (
                <>
                  <Graph
                    nodes={nodes}
                    edges={edges}
                    selected={selected}
                    onSelect={(id) => {
                      // A click selects the node and loads its dependencies on that day.
                      setSelected(id)
                      expand(id)
                    }}
                    ariaLabel={`Dependency subgraph of ${name} on ${day}: ${nodes.length} nodes, ${edges.length} relations. The list next to it holds the same nodes.`}
                  />
                  <p className="help">Click a node to select it and add its dependencies of that day. Borders: dotted = no data, dashed = degraded, double = poor or critical.</p>
                  <QosLegend />
                </>
              )
            }
          </Async>
        </div>
        <aside className="explorer-side" aria-label="Selected node and node list">
          {sel && (
            <div className="card selected-node">
              <div className="kicker">{sel.label}</div>
              <h2>{sel.name}</h2>
              <p>
                QoS on {day}: <QosBadge qos={sel.qos} />
              </p>
              <div className="button-row">
                <button type="button" className="button small" onClick={() => expand(sel.id)} disabled={expansions[sel.id] === 'loading'}>
                  {expansions[sel.id] === 'loading' ? 'Expanding…' : sel.expanded ? 'Expanded' : 'Expand dependencies'}
                </button>
                <Link className="button small" to={href(urls.node(team.name, sel.label, sel.name), { day })}>
                  Node page
                </Link>
                {sel.id !== rootId && (
                  <Link className="button small" to={href(urls.explore(team.name, sel.label, sel.name), { day })}>
                    Explore from here
                  </Link>
                )}
              </div>
              {expansions[sel.id] instanceof Error && <ErrorBox error={expansions[sel.id] as ApiError} />}
            </div>
          )}
          <div className="card node-list">
            <h2>Nodes ({nodes.length})</h2>
            <ul>
              {[...nodes]
                .sort((a, b) => (a.qos ?? 101) - (b.qos ?? 101) || a.id.localeCompare(b.id))
                .map((n) => (
                  <li key={n.id}>
                    <button type="button" className={`linklike${n.id === selected ? ' current' : ''}`} aria-pressed={n.id === selected} onClick={() => setSelected(n.id)}>
                      <span className="muted">{n.label}</span> {n.name}
                    </button>
                    <span title={`QoS ${formatQos(n.qos)}`}>
                      <QosBadge qos={n.qos} />
                    </span>
                  </li>
                ))}
            </ul>
          </div>
        </aside>
      </div>

      <ImpactedPanel label={sel?.label ?? label} name={sel?.name ?? name} day={day} />
    </>
  )
}

/**
 * The labels above a label in the config: those whose expression lists it,
 * and theirs, transitively. Only they can hold a node that depends on a
 * node of the label.
 */
export function ancestorLabels(labels: readonly Label[], label: string): string[] {
  const parents = new Map<string, string[]>()
  for (const l of labels) {
    if (!l.qos) continue
    for (const child of parseQos(l.qos).uses) parents.set(child, [...(parents.get(child) ?? []), l.name])
  }
  const seen = new Set<string>()
  const todo = [label]
  while (todo.length > 0) {
    for (const p of parents.get(todo.pop()!) ?? []) {
      if (!seen.has(p) && p !== label) {
        seen.add(p)
        todo.push(p)
      }
    }
  }
  return [...seen].sort()
}

function ImpactedPanel({ label, name, day }: { label: string; name: string; day: string }) {
  const { team, tz, labels } = useTeam()
  const [ancestor, setAncestor] = useState('')
  const [at, setAt] = useState('')
  const [query, setQuery] = useState<{ label: string; at: number | null } | null>(null)
  const [after, setAfter] = useState<string | null>(null)
  const [pages, setPages] = useState<{ label: string; name: string }[]>([])
  const [next, setNext] = useState<string | null>(null)
  const [error, setError] = useState<ApiError | null>(null)
  const [busy, setBusy] = useState(false)
  const choices = ancestorLabels(labels, label)
  // Without a time, the middle of the day the explorer shows.
  const dayW = dayWindow(day, tz)
  const noon = Math.floor((dayW.start + dayW.end) / 2)

  useEffect(() => {
    setQuery(null)
    setPages([])
    setNext(null)
    setError(null)
  }, [label, name, day])
  // An ancestor label is kept while it still is one; one alone is chosen.
  useEffect(() => {
    if (!choices.includes(ancestor)) setAncestor(choices.length === 1 ? choices[0] : '')
  }, [choices.join(','), ancestor]) // eslint-disable-line react-hooks/exhaustive-deps

  // Every page's count and all of them as CSV: the API walks the pages.
  const base = nodePath(team.name, label, name)
  const asked = query ? impactedQuery(query.label, query.at) : null
  const count = useApi<ImpactedCount>(asked ? `${base}/impacted/count?${asked}` : null)
  const total = count.loading ? undefined : count.data?.count

  useEffect(() => {
    if (!query) return
    const ctl = new AbortController()
    setBusy(true)
    const q = new URLSearchParams(impactedQuery(query.label, query.at))
    q.set('limit', '100')
    if (after) q.set('after', after)
    cachedGet<NodeKeyPage>(`${base}/impacted?${q}`, ctl.signal).then(
      (p) => {
        setPages((old) => (after ? [...old, ...p.nodes] : p.nodes))
        setNext(p.next)
        setBusy(false)
      },
      (e) => {
        if ((e as Error).name === 'AbortError') return
        setError(toApiError(e))
        setBusy(false)
      },
    )
    return () => ctl.abort()
  }, [query, after, base])

  function submit(e: FormEvent) {
    e.preventDefault()
    if (!ancestor) return
    setError(null)
    setAfter(null)
    setPages([])
    setQuery({ label: ancestor, at: at ? parseLocal(at, tz) : noon })
  }

  return (
    <Section title={`Impacted by ${name}`} id="impacted">
      <form className="toolbar" onSubmit={submit}>
        <Field label="Ancestor label">
          {(id) => (
          <select id={id} value={ancestor} onChange={(e) => setAncestor(e.target.value)} required>
            <option value="">choose…</option>
            {choices.map((l) => (
              <option key={l} value={l}>
                {l}
              </option>
            ))}
          </select>
          )}
        </Field>
        <label>
          at{' '}
          <input type="datetime-local" value={at} onChange={(e) => setAt(e.target.value)} aria-describedby="at-help" />
        </label>
        <span id="at-help" className="help">
          empty = {day} at {formatClock(noon, tz, false)} ({tz}), the day shown
        </span>
        <button type="submit" className="button primary small">
          Find impacted nodes
        </button>
        {at && (
          <button type="button" className="button ghost small" onClick={() => setAt(toLocalInput(Date.now() / 1000, tz))}>
            now
          </button>
        )}
      </form>
      {error && <ErrorBox error={error} />}
      {busy && pages.length === 0 && <Loading what="Finding impacted nodes" />}
      {choices.length === 0 && <Empty>No label of the config has {label} below it: nothing can depend on {name}.</Empty>}
      {query && !busy && !error && pages.length === 0 && (
        <Empty>
          No {query.label} node depends on {name} through relations active {query.at === null ? 'now' : `at ${formatInstant(query.at, tz)}`}.
        </Empty>
      )}
      {pages.length > 0 && (
        <>
          <div className="toolbar">
            <p data-testid="impacted-count" data-total={total}>
              {total === undefined ? impactedText(pages.length, Boolean(next), query?.label ?? '', name) : impactedText(total, false, query?.label ?? '', name)}
            </p>
            {asked && (
              <DownloadButton path={`${base}/impacted/csv?${asked}`} filename={`impacted-${query?.label}-${name}.csv`} title={`Every ${query?.label} node that depends on ${name}, as CSV (label,name)`}>
                Download CSV
              </DownloadButton>
            )}
          </div>
          {count.error && <ErrorBox error={count.error} retry={count.reload} title="The impacted nodes could not be counted" />}
          <ul className="chips">
            {pages.map((n) => (
              <li key={idOf(n)}>
                <Link to={urls.node(team.name, n.label, n.name)}>{n.name}</Link>
              </li>
            ))}
          </ul>
          {next && (
            <button type="button" className="button small" disabled={busy} onClick={() => setAfter(next)}>
              {busy ? 'Loading…' : 'Load more'}
            </button>
          )}
        </>
      )}
    </Section>
  )
}


/** The query of the impacted endpoints: the ancestors' label and the instant (now when null). */
export function impactedQuery(label: string, at: number | null): string {
  const q = new URLSearchParams({ label })
  if (at !== null) q.set('at', String(at))
  return q.toString()
}

/** "1 Offer node depends on foo.com:", "3+ Offer nodes depend on foo.com:". */
export function impactedText(n: number, more: boolean, label: string, name: string): string {
  const one = n === 1 && !more
  return `${n}${more ? '+' : ''} ${label} node${one ? '' : 's'} depend${one ? 's' : ''} on ${name}:`
}
