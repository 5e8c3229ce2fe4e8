import { useEffect, useMemo, useState } from 'react'
import { cachedGet, nodePath, pool, request, seg, teamPath, type Annotation, type ApiError, type DayQos, type Dependency, type DependenciesResponse, type DependencyCount, type Maintenance, type Node, type NodeBudget, type Objective, type RootCause, type RuleRun } from '../api'
import { BudgetFacts, ObjectiveEditor } from '../components/Budget'
import LineChart from '../components/LineChart'
import { MaintenanceForm, MaintenanceList, maintenancePath } from '../components/Maintenance'
import { NotesPanel, notesOnTimeline, useNotes } from '../components/Annotations'
import { RuleResult } from '../components/RuleResult'
import { WindowPicker } from '../components/WindowPicker'
import { parseQos } from '../configgraph'
import { PageHeader, PeriodsText, Section, periodText } from '../components/common'
import { DayBars } from '../components/DayBars'
import { ExplanationView } from '../components/Explanation'
import { QosBadge, QosLegend } from '../components/Qos'
import { RangePicker } from '../components/RangePicker'
import { Timeline, type Lane } from '../components/Timeline'
import { Async, Empty, ErrorBox, Loading } from '../components/states'
import { useTeam } from '../context'
import { formatDuration, formatInt, formatShare } from '../format'
import { toApiError, useApi, useTitle } from '../hooks'
import { rangeFromParams, rangeQuery } from '../range'
import { Link, href, setParams, urls, useParams } from '../router'
import { addDays, dayDiff, dayWindow, daysBetween, formatInDay, formatInstant, isDay, isoOf, today, windowOfParams, yesterday, type Window } from '../time'

/** Causes whose own timelines are fetched and drawn; the rest are listed. */
const DRAWN_CAUSES = 8
const DEP_PAGE = 50

export default function NodePage({ label, name }: { label: string; name: string }) {
  const { team, tz } = useTeam()
  useTitle(`${name} · ${label}`)
  const params = useParams()
  const range = rangeFromParams(params, tz)
  const p = params.get('day')
  const day = isDay(p) ? p : dayDiff(yesterday(tz), range.end) >= 0 && dayDiff(range.start, yesterday(tz)) >= 0 ? yesterday(tz) : range.end
  const path = nodePath(team.name, label, name)
  const node = useApi<Node>(path)
  const series = useApi<DayQos[]>(`${path}/qos?${rangeQuery(range)}`)
  const rangeParams = { start: params.get('start'), end: params.get('end') }
  // Bumped when an objective or a maintenance window changes: the panels
  // that show them load again.
  const [version, setVersion] = useState(0)
  const changed = () => setVersion((v) => v + 1)

  const bars = useMemo(() => {
    const by = new Map((series.data ?? []).map((d) => [d.day, d]))
    return daysBetween(range.start, range.end).map((d) => ({ day: d, qos: by.get(d)?.qos ?? null, computed: by.has(d) }))
  }, [series.data, range.start, range.end])

  if (node.error) {
    return (
      <>
        <PageHeader title={name} kicker={<Link to={urls.label(team.name, label)}>{label}</Link>} />
        <ErrorBox error={node.error} retry={node.reload} title={node.error.status === 404 ? `No ${label} node named “${name}”` : undefined} />
      </>
    )
  }

  if (!node.data) {
    // The panels wait for the node: for a node that does not exist, its
    // one error says so, not every panel's.
    return (
      <>
        <PageHeader title={name} kicker={<Link to={urls.label(team.name, label)}>{label}</Link>} />
        <Loading what={`Loading ${label} ${name}`} />
      </>
    )
  }

  return (
    <>
      <PageHeader title={name} kicker={<Link to={href(urls.label(team.name, label), rangeParams)}>{label}</Link>}>
        <Link className="button" to={href(urls.explore(team.name, label, name), { day })}>
          Explore dependencies
        </Link>
      </PageHeader>
      <dl className="facts">
        <div>
          <dt>Active</dt>
          <dd><PeriodsText periods={node.data.periods} tz={tz} /></dd>
        </div>
      </dl>

      <Section title={`Daily QoS, ${range.start} → ${range.end}`} id="daily" actions={<RangePicker range={range} lastDay={yesterday(tz)} />}>
        <Async {...series} what="Loading daily QoS">
          {(d) => (
            <>
              {d.length === 0 && <Empty>No day of this range was computed for this node.</Empty>}
              <DayBars days={bars} selected={day} onSelect={(dd) => setParams({ day: dd }, { replace: true })} />
              <QosLegend />
            </>
          )}
        </Async>
      </Section>

      <DayPanel key={`day${version}`} path={path} day={day} label={label} name={name} />
      <BudgetPanel key={`budget${version}`} path={path} label={label} name={name} onChanged={changed} />
      <RuleChecksPanel label={label} name={name} day={day} />
      <RootCausePanel path={path} day={day} label={label} name={name} />
      <RelativesPanel path={path} day={day} />
      <LivePanel path={path} />
      <MaintenancePanel label={label} name={name} day={day} onChanged={changed} />
    </>
  )
}

function DayNav({ day }: { day: string }) {
  const { tz } = useTeam()
  return (
    <span className="day-nav">
      <button type="button" className="button small" onClick={() => setParams({ day: addDays(day, -1) })} aria-label="Previous day">
        ←
      </button>
      <input type="date" aria-label="Day" value={day} max={today(tz)} onChange={(e) => isDay(e.target.value) && setParams({ day: e.target.value })} />
      <button type="button" className="button small" onClick={() => setParams({ day: addDays(day, 1) })} aria-label="Next day" disabled={day >= today(tz)}>
        →
      </button>
    </span>
  )
}

function DayPanel({ path, day, label, name }: { path: string; day: string; label: string; name: string }) {
  const { team, tz } = useTeam()
  const res = useApi<DayQos[]>(`${path}/qos?start=${day}&end=${day}`)
  const w = dayWindow(day, tz)
  const maint = useApi<Maintenance[]>(maintenancePath(team.name, w.start, w.end, label, name))
  const notes = useNotes({ label, name, window: w })
  return (
    <Section title={`${day}`} id="day" actions={<DayNav day={day} />}>
      <Async {...res} what="Loading the day">
        {(list) => {
          const d = list.find((x) => x.day === day)
          if (!d) return <><Empty>No run computed {day} for this node.</Empty><DayNotes label={label} name={name} window={w} notes={notes.data} reload={notes.reload} /></>
          const aggregation = d.ok === null && d.ko === null
          return (
            <>
              <dl className="facts">
                <div>
                  <dt>QoS</dt>
                  <dd data-testid="day-qos">
                    <QosBadge qos={d.qos} />
                  </dd>
                </div>
                <div>
                  <dt>OK</dt>
                  <dd>{formatDuration(d.ok)}</dd>
                </div>
                <div>
                  <dt>KO</dt>
                  <dd>{formatDuration(d.ko)}</dd>
                </div>
                <div>
                  <dt>Unknown</dt>
                  <dd>{formatDuration(d.unknown)}</dd>
                </div>
                <div>
                  <dt>Day length</dt>
                  <dd>{formatInt(w.end - w.start)} s</dd>
                </div>
              </dl>
              {aggregation ? (
                <p className="muted">This node's QoS is an aggregation of its dependencies' QoS: it has a value, not a timeline.</p>
              ) : (
                <>
                  <Timeline window={w} tz={tz} notes={notesOnTimeline(notes.data)} maintenance={maint.data} lanes={[{ key: 'node', label: 'this node', name: 'this node', downtime: d.downtime, unknown: d.qos === null, unknownSeconds: d.unknown, emphasis: true }]} />
                  {d.downtime && d.downtime.length > 0 && (
                    <details className="downtime">
                      <summary>
                        {d.downtime.length} KO interval{d.downtime.length === 1 ? '' : 's'} (downtime)
                      </summary>
                      <table className="data compact">
                        <thead>
                          <tr>
                            <th scope="col">From</th>
                            <th scope="col">To</th>
                            <th scope="col" className="num">Duration</th>
                          </tr>
                        </thead>
                        <tbody>
                          {d.downtime.map((iv) => (
                            <tr key={iv.from}>
                              <td>{formatInDay(iv.from, day, tz)}</td>
                              <td>{formatInDay(iv.to, day, tz)}</td>
                              <td className="num">{formatDuration(iv.to - iv.from)}</td>
                            </tr>
                          ))}
                        </tbody>
                      </table>
                    </details>
                  )}
                </>
              )}
              <DayNotes label={label} name={name} window={w} notes={notes.data} reload={notes.reload} />
            </>
          )
        }}
      </Async>
    </Section>
  )
}

/** The team's notes on the node (and on its label) during the day, and the form to add one. */
function DayNotes({ label, name, window: w, notes, reload }: { label: string; name: string; window: Window; notes: Annotation[] | undefined; reload: () => void }) {
  return (
    <details className="day-notes" open={(notes?.length ?? 0) > 0} id="notes">
      <summary>Notes ({notes?.length ?? '…'})</summary>
      <NotesPanel subject={{ label, name }} window={w} notes={notes ?? []} onChanged={reload} empty="No note on this node this day." />
    </details>
  )
}

/**
 * A leaf's checks and datapoints on the day, directly (its label's rule
 * executed for the node): what the Rules page shows after retyping the
 * node and the day.
 */
function RuleChecksPanel({ label, name, day }: { label: string; name: string; day: string }) {
  const { team, tz, labels } = useTeam()
  const expr = labels.find((l) => l.name === label)?.qos ?? null
  const rule = expr ? parseQos(expr).rule : null
  const w = dayWindow(day, tz)
  const [state, setState] = useState<{ key: string; result?: RuleRun; error?: ApiError }>({ key: '' })
  const key = `${rule}\u0000${name}\u0000${w.start}`
  useEffect(() => {
    if (!rule) return
    const ctl = new AbortController()
    setState({ key: '' })
    request<RuleRun>(`${teamPath(team.name)}/rules/${seg(rule)}/execute`, { method: 'POST', body: { name, start: w.start, end: w.end }, signal: ctl.signal }).then(
      (result) => setState({ key, result }),
      (e) => (e as Error).name !== 'AbortError' && setState({ key, error: toApiError(e) }),
    )
    return () => ctl.abort()
  }, [key]) // eslint-disable-line react-hooks/exhaustive-deps
  if (!rule) return null
  return (
    <Section title={`Checks of rule ${rule} on ${day}`} id="checks" actions={<Link to={href(urls.rules(team.name), { rule, node: name, day })}>Rules page</Link>}>
      <p className="help">This node is a leaf: its timeline is the AND of its rule's checks, computed from the sources now (nothing stored).</p>
      {state.error && <ErrorBox error={state.error} />}
      {!state.result && !state.error && <Loading what={`Running ${rule} for ${name}`} />}
      {state.result && <RuleResult result={state.result} window={w} />}
    </Section>
  )
}

type Fetched = Record<string, DayQos | null | ApiError>

/** Fetches one day of QoS for each node key (label\0name), a few at a time. */
function useDayQos(team: string, keys: { label: string; name: string }[], day: string): Fetched {
  const [got, setGot] = useState<Fetched>({})
  const sig = keys.map((k) => `${k.label}\u0000${k.name}`).join('\u0001')
  useEffect(() => {
    const ctl = new AbortController()
    setGot({})
    pool(
      keys,
      6,
      async (k) => {
        const id = `${k.label}\u0000${k.name}`
        try {
          const list = await cachedGet<DayQos[]>(`${nodePath(team, k.label, k.name)}/qos?start=${day}&end=${day}`, ctl.signal)
          if (!ctl.signal.aborted) setGot((g) => ({ ...g, [id]: list.find((x) => x.day === day) ?? null }))
        } catch (e) {
          if (!ctl.signal.aborted && (e as Error).name !== 'AbortError') setGot((g) => ({ ...g, [id]: toApiError(e) }))
        }
      },
      ctl.signal,
    )
    return () => ctl.abort()
  }, [sig, team, day]) // eslint-disable-line react-hooks/exhaustive-deps
  return got
}

function RootCausePanel({ path, day, label, name }: { path: string; day: string; label: string; name: string }) {
  const { team, tz } = useTeam()
  // Any window of up to 31 days (?from=&to=, RFC 3339) instead of the day: an incident from 23:40 to 00:25.
  const custom = windowOfParams(useParams())
  const w = custom ?? dayWindow(day, tz)
  const rc = useApi<RootCause>(custom ? `${path}/rootcause?from=${isoOf(w.start)}&to=${isoOf(w.end)}` : `${path}/rootcause?day=${day}`)
  // The leaves' own timelines are the stored days': drawn for a day only.
  const drawn = useMemo(() => (custom ? [] : (rc.data?.causes ?? []).filter((c) => c.overlap > 0).slice(0, DRAWN_CAUSES)), [rc.data, custom])
  const own = useDayQos(team.name, drawn, day)
  const span = custom ? 'in the window' : `on ${day}`
  // The leaves that were KO at the same time as the node, by overlap.
  const overlap = (data: RootCause) => {
    const ko = data.node.ko ?? 0
    const nodeDown = data.node.downtime
    if (data.node.ko === null && data.node.qos !== null) {
      // An aggregation has a QoS but no timeline: nothing overlaps it; show its leaves, worst first.
      return <AggregationLeaves data={data} day={day} />
    }
    if (ko === 0) {
      return <Empty>{data.node.qos === null ? `Nothing is known about this node ${span}.` : `No KO time ${span}: nothing to explain.`}</Empty>
    }
    const causes = data.causes
    const lanes: Lane[] = [
      { key: 'node', label: <strong>{data.node.name}</strong>, name: `${data.node.name} (this node)`, downtime: nodeDown, emphasis: true, aside: <span>{formatDuration(ko)} KO</span> },
      ...drawn.map((c) => {
        const d = own[`${c.label}\u0000${c.name}`]
        const ok = d && !(d instanceof Error)
        return {
          key: `${c.label}/${c.name}`,
          label: (
            <Link to={href(urls.node(team.name, c.label, c.name), { day })}>
              <span className="muted">{c.label}</span> {c.name}
            </Link>
          ),
          name: `${c.label} ${c.name}`,
          downtime: ok ? d.downtime : [],
          unknown: !ok || d.qos === null,
          aside: (
            <span>
              {formatDuration(c.overlap)} · {formatShare(c.overlap, ko)}
            </span>
          ),
        }
      }),
    ]
    return (
      <>
        <p className="lead">
          {data.node.name} was KO for <strong>{formatDuration(ko)}</strong> {span}.{' '}
          {causes.length > 0 && causes[0].overlap > 0 ? (
            <>
              <strong data-testid="top-cause">
                {causes[0].label} {causes[0].name}
              </strong>{' '}
              was KO during {formatDuration(causes[0].overlap)} of it ({formatShare(causes[0].overlap, ko)}).
            </>
          ) : (
            'No leaf dependency was KO at the same time.'
          )}
        </p>
        <Timeline window={w} tz={tz} lanes={lanes} notes={notesOnTimeline(data.annotations)} guides={nodeDown} caption={drawn.length > 0 ? "KO intervals of the node and of its leaf dependencies, the node's KO time shaded" : "KO intervals of the node"} />
        <table className="data compact" aria-label="Leaf dependencies ranked by seconds of overlap">
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">Leaf dependency</th>
              <th scope="col" className="num">Its QoS</th>
              <th scope="col" className="num">KO during the node's KO</th>
              <th scope="col" className="num">Share</th>
            </tr>
          </thead>
          <tbody>
            {causes.length === 0 && (
              <tr>
                <td colSpan={5} className="muted">No leaf dependency in the subgraph on this day.</td>
              </tr>
            )}
            {causes.map((c, i) => (
              <tr key={`${c.label}/${c.name}`}>
                <td>{i + 1}</td>
                <th scope="row">
                  <Link to={href(urls.node(team.name, c.label, c.name), { day })}>
                    <span className="muted">{c.label}</span> {c.name}
                  </Link>
                </th>
                <td className="num">
                  <QosBadge qos={c.qos} />
                </td>
                <td className="num">
                  {formatDuration(c.overlap)} <span className="muted">({formatInt(c.overlap)} s)</span>
                </td>
                <td className="num">{formatShare(c.overlap, ko)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </>
    )
  }
  return (
    <Section
      title={custom ? `Root cause, ${formatInstant(w.start, tz)} → ${formatInstant(w.end, tz)}` : `Root cause on ${day}`}
      id="rootcause"
      actions={
        <Link className="button small" to={urls.incident(team.name, label, name, w)}>
          Incident view
        </Link>
      }
    >
      <div className="window-row">
        <WindowPicker window={w} onChange={(nw) => setParams({ from: isoOf(nw.start), to: isoOf(nw.end) })} submitText="Explain this window" />
        {custom && (
          <button type="button" className="button small ghost" onClick={() => setParams({ from: null, to: null })}>
            Back to the day
          </button>
        )}
      </div>
      <Async {...rc} what="Looking for root causes">
        {(data) => (
          <>
            {data.explanation && <ExplanationView x={data.explanation} day={day} />}
            {overlap(data)}
            {data.annotations.length > 0 && (
              <details className="rc-notes">
                <summary>Notes on this subgraph ({data.annotations.length})</summary>
                <NotesPanel subject={{ label, name }} window={w} notes={data.annotations} onChanged={rc.reload} />
              </details>
            )}
          </>
        )}
      </Async>
    </Section>
  )
}

function AggregationLeaves({ data, day }: { data: RootCause; day: string }) {
  const { team } = useTeam()
  const leaves = [...data.causes].sort((a, b) => (a.qos ?? 101) - (b.qos ?? 101) || b.overlap - a.overlap)
  return (
    <>
      <p className="lead">
        {data.node.name}'s QoS is an aggregation of its dependencies' QoS: it has no KO time of its own to explain. Its leaf dependencies on {day}, worst first:
      </p>
      {leaves.length === 0 ? (
        <Empty>No leaf dependency in the subgraph on this day.</Empty>
      ) : (
        <table className="data compact">
          <thead>
            <tr>
              <th scope="col">Leaf dependency</th>
              <th scope="col" className="num">Its QoS</th>
            </tr>
          </thead>
          <tbody>
            {leaves.map((c) => (
              <tr key={`${c.label}/${c.name}`}>
                <th scope="row">
                  <Link to={href(urls.node(team.name, c.label, c.name), { day })}>
                    <span className="muted">{c.label}</span> {c.name}
                  </Link>
                </th>
                <td className="num">
                  <QosBadge qos={c.qos} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  )
}

function RelativesPanel({ path, day }: { path: string; day: string }) {
  const [tab, setTab] = useState<'dependencies' | 'dependents'>('dependencies')
  // How many of each are active on the day, shown on the tabs before either list loads.
  const counts = useApi<DependencyCount>(`${path}/dependencies/count?day=${day}`)
  const count = (kind: 'dependencies' | 'dependents') =>
    counts.data && !counts.loading ? (
      <span className="count" data-testid={`count-${kind}`}>
        {formatInt(counts.data[kind])}
      </span>
    ) : null
  return (
    <Section
      title="Relations on this day"
      id="relations"
      actions={
        <div className="segmented" role="group" aria-label="Direction">
          <button type="button" aria-pressed={tab === 'dependencies'} onClick={() => setTab('dependencies')}>
            Dependencies {count('dependencies')}
          </button>
          <button type="button" aria-pressed={tab === 'dependents'} onClick={() => setTab('dependents')}>
            Dependents {count('dependents')}
          </button>
        </div>
      }
    >
      <Relatives key={tab} path={path} day={day} kind={tab} />
    </Section>
  )
}

function Relatives({ path, day, kind }: { path: string; day: string; kind: 'dependencies' | 'dependents' }) {
  const { team, tz } = useTeam()
  const [inactive, setInactive] = useState(false)
  const [shown, setShown] = useState(DEP_PAGE)
  // Worst QoS of the day first: the relations that cost this node QoS lead a long list.
  const res = useApi<DependenciesResponse>(`${path}/${kind}?day=${day}&sort=qos${inactive ? '&inactive=true' : ''}`)
  const list: Dependency[] = (res.data?.[kind] as Dependency[] | undefined) ?? []
  const visible = list.slice(0, shown)
  // The API gives each relation's QoS of the day; ask per node only if it did not.
  const qos = useDayQos(team.name, visible.some((d) => d.qos === undefined) ? visible : [], day)
  return (
    <>
      <label className="checkbox">
        <input type="checkbox" checked={inactive} onChange={(e) => setInactive(e.target.checked)} /> Also list relations inactive on {day}
      </label>
      {res.error && <ErrorBox error={res.error} retry={res.reload} />}
      {!res.data && !res.error && <Loading what={`Loading ${kind}`} />}
      {res.data && list.length === 0 && <Empty>{kind === 'dependencies' ? 'This node depends on nothing' : 'Nothing depends on this node'} on {day}.</Empty>}
      {list.length > 0 && (
        <table className="data compact">
          <thead>
            <tr>
              <th scope="col">Label</th>
              <th scope="col">Name</th>
              <th scope="col" className="num">QoS on {day}</th>
              <th scope="col">Relation active</th>
              <th scope="col">Node active</th>
            </tr>
          </thead>
          <tbody>
            {visible.map((d) => {
              const q = d.qos !== undefined ? (d.qos === null ? null : { qos: d.qos }) : qos[`${d.label}\u0000${d.name}`]
              return (
                <tr key={`${d.label}/${d.name}`} className={d.active ? '' : 'inactive'}>
                  <td>{d.label}</td>
                  <th scope="row">
                    <Link to={href(urls.node(team.name, d.label, d.name), { day })}>{d.name}</Link>
                    {!d.active && <span className="badge"> inactive</span>}
                  </th>
                  <td className="num">
                    {q === undefined ? <span className="muted">…</span> : q instanceof Error ? <span className="error-text" title={q.message}>{q.code}</span> : q === null ? <span className="muted">not computed</span> : <QosBadge qos={q.qos} />}
                  </td>
                  <td>
                    <span title={d.relation.periods.map((p) => periodText(p, tz)).join('\n')}>
                      <PeriodsText periods={d.relation.periods} tz={tz} />
                    </span>
                  </td>
                  <td>
                    <PeriodsText periods={d.periods} tz={tz} />
                  </td>
                </tr>
              )
            })}
          </tbody>
        </table>
      )}
      {list.length > shown && (
        <button type="button" className="button small" onClick={() => setShown(shown + DEP_PAGE)}>
          Show {Math.min(DEP_PAGE, list.length - shown)} more of {formatInt(list.length - shown)}
        </button>
      )}
    </>
  )
}

function LivePanel({ path }: { path: string }) {
  const { tz } = useTeam()
  const live = useApi<DayQos>(`${path}/qos/live`)
  const [now, setNow] = useState(() => Date.now() / 1000)
  const t = today(tz, now)
  const w = dayWindow(live.data?.day && isDay(live.data.day) ? live.data.day : t, tz)
  return (
    <Section
      title={`Live today (${t})`}
      id="live"
      actions={
        <button type="button" className="button small" onClick={() => { setNow(Date.now() / 1000); live.reload() }} disabled={live.loading}>
          {live.loading ? 'Computing…' : 'Refresh'}
        </button>
      }
    >
      <Async {...live} what="Computing today so far">
        {(d) => (
          <>
            <dl className="facts">
              <div>
                <dt>QoS so far</dt>
                <dd>
                  <QosBadge qos={d.qos} />
                </dd>
              </div>
              <div>
                <dt>KO</dt>
                <dd>{formatDuration(d.ko)}</dd>
              </div>
              <div>
                <dt>Unknown</dt>
                <dd>{formatDuration(d.unknown)}</dd>
              </div>
            </dl>
            {d.ok !== null && <Timeline window={w} tz={tz} until={Math.min(now, w.end)} lanes={[{ key: 'live', label: 'today', name: 'today so far', downtime: d.downtime, unknown: d.qos === null, unknownSeconds: d.unknown, emphasis: true }]} />}
          </>
        )}
      </Async>
    </Section>
  )
}

/** The node's error budget (docs/objectives.md): facts, the burn-down of its window, and its objective. */
function BudgetPanel({ path, label, name, onChanged }: { path: string; label: string; name: string; onChanged: () => void }) {
  const { team, tz } = useTeam()
  const budget = useApi<NodeBudget>(`${path}/budget`)
  const own = useApi<Objective>(`${path}/objective`)
  const labelObjective = useApi<Objective>(`${teamPath(team.name)}/labels/${seg(label)}/objective`)
  const days = budget.data?.days ?? []
  const x = useMemo(() => days.map((d) => dayWindow(d.day, tz).start), [days, tz])
  const series = useMemo(() => [{ label: 'budget left (min)', values: days.map((d) => Math.round(d.remaining / 6) / 10) }], [days])
  const rules = useMemo(() => [{ value: 0, label: 'spent' }], [])
  const none = budget.error?.status === 404
  return (
    <Section title="Error budget" id="budget">
      {none ? (
        <p className="muted">Neither this node nor its label has an objective, so it has no error budget.</p>
      ) : (
        <Async {...budget} what="Computing the budget">
          {(b) => (
            <>
              <BudgetFacts budget={b} tz={tz} />
              {days.length > 0 ? (
                <LineChart x={x} series={series} tz={tz} xDays kind="value" height={180} rules={rules} ariaLabel={`Error budget left of ${name}, day by day from ${b.from}`} />
              ) : (
                <Empty>No day of the window has a result yet: the whole budget is ahead.</Empty>
              )}
            </>
          )}
        </Async>
      )}
      {(own.data || own.error?.status === 404) && (labelObjective.data || labelObjective.error?.status === 404) && (
        <ObjectiveEditor path={`${path}/objective`} own={own.data ?? null} inherited={labelObjective.data ?? null} what={name} onChanged={onChanged} />
      )}
    </Section>
  )
}

/** The maintenance windows that cover the node (its own, its label's, the team's), and a form to declare one. */
function MaintenancePanel({ label, name, day, onChanged }: { label: string; name: string; day: string; onChanged: () => void }) {
  const { team, tz } = useTeam()
  const [now] = useState(() => Date.now() / 1000)
  const list = useApi<Maintenance[]>(maintenancePath(team.name, now - 35 * 86400, now + 366 * 86400, label, name))
  return (
    <Section title="Maintenance windows" id="maintenance">
      <Async {...list} what="Loading maintenance windows">
        {(ws) => <MaintenanceList team={team.name} windows={ws} tz={tz} onChanged={() => { list.reload(); onChanged() }} />}
      </Async>
      <MaintenanceForm team={team.name} label={label} name={name} tz={tz} start={dayWindow(day, tz).start} onDone={() => { list.reload(); onChanged() }} />
    </Section>
  )
}
