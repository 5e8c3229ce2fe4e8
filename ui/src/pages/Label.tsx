import { useEffect, useMemo, useRef, useState } from 'react'
import { ApiError, cachedGet, nodePath, pool, seg, teamPath, type DayQos, type LabelBudgets, type LabelDayQos, type Maintenance, type NodePage, type Objective } from '../api'
import { BudgetMeter, ObjectiveEditor } from '../components/Budget'
import { MaintenanceForm, MaintenanceList, maintenancePath } from '../components/Maintenance'
import { formatBudget } from '../budget'
import { PageHeader, Section } from '../components/common'
import LineChart from '../components/LineChart'
import { QosBadge } from '../components/Qos'
import { RangePicker } from '../components/RangePicker'
import { Sparkline } from '../components/Sparkline'
import { Async, Empty, ErrorBox, Loading } from '../components/states'
import { DownloadButton } from '../components/Download'
import { SortHeader, sortRows, useSort, type Column } from '../components/ResourceTable'
import { Field } from '../components/Field'
import { useTeam } from '../context'
import { formatInt, formatQos } from '../format'
import { toApiError, useApi, useDebounced, useTitle } from '../hooks'
import { MAX_EXPORT_DAYS, clipRange, rangeFromParams, rangeQuery, type DayRange } from '../range'
import { Link, href, setParams, urls, useParams } from '../router'
import { dayStart, daysBetween, yesterday } from '../time'
import { rangeStats } from '../qosdata'

const PAGE_SIZES = [25, 50, 100]
const DEFAULT_PAGE = 50
/** Per-node QoS requests in flight at once for a page of nodes. */
const CONCURRENCY = 6

export default function LabelPage({ label }: { label: string }) {
  const { team, tz, labels } = useTeam()
  useTitle(`${label} · ${team.name}`)
  const params = useParams()
  const range = rangeFromParams(params, tz)
  const info = labels.find((l) => l.name === label)
  const [version, setVersion] = useState(0)
  const q = params.get('q') ?? ''
  const after = params.get('after')
  const limit = PAGE_SIZES.includes(Number(params.get('limit'))) ? Number(params.get('limit')) : DEFAULT_PAGE
  const base = `${teamPath(team.name)}/labels/${seg(label)}`
  const daily = useApi<LabelDayQos[]>(`${base}/qos?${rangeQuery(range)}`)
  const days = useMemo(() => daysBetween(range.start, range.end), [range.start, range.end])
  const x = useMemo(() => days.map((d) => dayStart(d, tz)), [days, tz])
  const series = useMemo(() => {
    const by = new Map((daily.data ?? []).map((d) => [d.day, d.qos]))
    return [{ label: `${label} average`, values: days.map((d) => by.get(d) ?? null) }]
  }, [daily.data, days, label])

  return (
    <>
      <PageHeader title={label} kicker={<Link to={urls.labels(team.name)}>Labels</Link>}>
        <RangePicker range={range} lastDay={yesterday(tz)} />
      </PageHeader>
      <dl className="facts">
        <div>
          <dt>Nodes in the graph</dt>
          <dd>{info ? formatInt(info.nodes) : '—'}</dd>
        </div>
        <div>
          <dt>QoS from</dt>
          <dd>
            {info?.qos ? <code>{info.qos}</code> : <span className="muted">not configured</span>} <Link to={urls.config(team.name)} className="small-link">configuration</Link>
          </dd>
        </div>
      </dl>

      <Section title={`Label average, ${range.start} → ${range.end}`} id="label-qos">
        <Async {...daily} what="Loading the label average">
          {(d) =>
            d.length === 0 ? (
              <Empty>No day of this range was computed for {label}.</Empty>
            ) : (
              <LineChart x={x} series={series} tz={tz} xDays height={180} ariaLabel={`${label} daily average from ${range.start} to ${range.end}`} />
            )
          }
        </Async>
      </Section>

      <ObjectiveSection key={`objective${version}`} base={base} label={label} onChanged={() => setVersion((v) => v + 1)} />
      <MaintenanceSection label={label} />

      <Section title="Nodes" id="nodes" actions={<NodesDownload label={label} range={range} />}>
        <p className="help">Headings sort the nodes of this page; pages go by name.</p>
        <NodeSearch q={q} />
        <NodeTable base={base} label={label} q={q} after={after} limit={limit} range={range} />
      </Section>
    </>
  )
}

/** Every node's daily QoS over the range (at most its last 31 days) as a CSV file. */
function NodesDownload({ label, range }: { label: string; range: DayRange }) {
  const { team } = useTeam()
  const r = clipRange(range, MAX_EXPORT_DAYS)
  const clipped = r.start !== range.start
  return (
    <DownloadButton
      path={`${teamPath(team.name)}/export/nodes.csv?label=${encodeURIComponent(label)}&from=${r.start}&to=${r.end}`}
      filename={`qos-${label}-${r.start}-${r.end}.csv`}
      title={clipped ? `At most ${MAX_EXPORT_DAYS} days at once: ${r.start} → ${r.end}` : `${r.start} → ${r.end}`}
    >
      {clipped ? `Download CSV (last ${MAX_EXPORT_DAYS} days)` : 'Download CSV'}
    </DownloadButton>
  )
}

function NodeSearch({ q }: { q: string }) {
  const [text, setText] = useState(q)
  const debounced = useDebounced(text, 300)
  const first = useRef(true)
  useEffect(() => {
    if (first.current) {
      first.current = false
      return
    }
    if (debounced !== q) setParams({ q: debounced || null, after: null }, { replace: true })
    // Only typing changes the URL here.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [debounced])
  return (
    <form className="toolbar" role="search" onSubmit={(e) => { e.preventDefault(); setParams({ q: text || null, after: null }) }}>
      <label htmlFor="node-q">Search names</label>
      <input id="node-q" type="search" value={text} onChange={(e) => setText(e.target.value)} placeholder="part of a name" autoComplete="off" />
    </form>
  )
}

type NodeResult = { days: DayQos[] } | { error: ApiError }

function NodeTable({ base, label, q, after, limit, range }: { base: string; label: string; q: string; after: string | null; limit: number; range: DayRange }) {
  const { team } = useTeam()
  const query = new URLSearchParams({ limit: String(limit) })
  if (q) query.set('q', q)
  if (after) query.set('after', after)
  const page = useApi<NodePage>(`${base}/nodes?${query}`)
  // Cursors of the pages before this one, so "Previous" works after "Next";
  // a shared link that starts mid-list offers "First page" instead.
  const [stack, setStack] = useState<string[]>([])
  const [results, setResults] = useState<Record<string, NodeResult>>({})
  const names = useMemo(() => page.data?.nodes.map((n) => n.name) ?? [], [page.data])
  const days = useMemo(() => daysBetween(range.start, range.end), [range.start, range.end])

  useEffect(() => {
    const ctl = new AbortController()
    setResults({})
    pool(
      names,
      CONCURRENCY,
      async (name) => {
        try {
          const d = await cachedGet<DayQos[]>(`${nodePath(team.name, label, name)}/qos?${rangeQuery(range)}`, ctl.signal)
          if (!ctl.signal.aborted) setResults((r) => ({ ...r, [name]: { days: d } }))
        } catch (e) {
          if (!ctl.signal.aborted && (e as Error).name !== 'AbortError') setResults((r) => ({ ...r, [name]: { error: toApiError(e) } }))
        }
      },
      ctl.signal,
    )
    return () => ctl.abort()
  }, [names, team.name, label, range.start, range.end]) // eslint-disable-line react-hooks/exhaustive-deps

  const [sort, onSort] = useSort()

  if (page.error) return <ErrorBox error={page.error} retry={page.reload} />
  if (!page.data) return <Loading what="Loading nodes" />
  const rangeParams = { start: range.start, end: range.end }
  // Sorting orders this page's nodes by their figures; loading or failed rows go last.
  const stats = (name: string) => {
    const r = results[name]
    return r && 'days' in r ? rangeStats(r.days) : null
  }
  const sortColumns: Column<string>[] = [
    { header: 'Name', cell: () => null, sort: (n) => n },
    { header: 'Last day', cell: () => null, sort: (n) => stats(n)?.latest?.qos ?? null },
    { header: 'Range QoS', cell: () => null, sort: (n) => stats(n)?.qos ?? null },
    { header: 'Worst day', cell: () => null, sort: (n) => stats(n)?.worst?.qos ?? null },
  ]
  const shown = sortRows(names, sortColumns, sort)
  return (
    <>
      {names.length === 0 ? (
        <Empty>{q ? `No ${label} node has “${q}” in its name.` : after ? 'No more nodes.' : `No ${label} node in the graph.`}</Empty>
      ) : (
        <table className="data nodes-table" aria-busy={Object.keys(results).length < names.length}>
          <thead>
            <tr>
              <SortHeader header="Name" state={sort} onSort={onSort} />
              <SortHeader header="Last day" state={sort} onSort={onSort} className="num" />
              <SortHeader header="Range QoS" state={sort} onSort={onSort} className="num" title="100 × OK seconds / (OK + KO seconds) over the range; for aggregation nodes, the mean of the daily values" />
              <SortHeader header="Worst day" state={sort} onSort={onSort} />
              <th scope="col">Daily QoS</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((name) => {
              const r = results[name]
              const link = href(urls.node(team.name, label, name), rangeParams)
              if (!r) {
                return (
                  <tr key={name}>
                    <th scope="row"><Link to={link}>{name}</Link></th>
                    <td colSpan={4} className="muted">loading…</td>
                  </tr>
                )
              }
              if ('error' in r) {
                return (
                  <tr key={name}>
                    <th scope="row"><Link to={link}>{name}</Link></th>
                    <td colSpan={4} className="error-text">{r.error.code}: {r.error.message}</td>
                  </tr>
                )
              }
              const s = rangeStats(r.days)
              const by = new Map(r.days.map((d) => [d.day, d.qos]))
              return (
                <tr key={name}>
                  <th scope="row"><Link to={link}>{name}</Link></th>
                  <td className="num">{s.latest ? <span title={s.latest.day}><QosBadge qos={s.latest.qos} /></span> : <span className="muted">not computed</span>}</td>
                  <td className="num" title={s.exact ? 'from OK/KO seconds' : 'mean of daily values'}>
                    {formatQos(s.qos)}
                    {!s.exact && s.qos !== null && <span className="muted" aria-label="mean of days"> ⌀</span>}
                  </td>
                  <td>
                    {s.worst ? (
                      <Link to={href(urls.node(team.name, label, name), { ...rangeParams, day: s.worst.day })}>
                        {s.worst.day} <QosBadge qos={s.worst.qos} />
                      </Link>
                    ) : (
                      <span className="muted">—</span>
                    )}
                  </td>
                  <td>
                    <Sparkline values={days.map((d) => (by.has(d) ? by.get(d)! : null))} label={`${name} daily QoS`} />
                  </td>
                </tr>
              )
            })}
          </tbody>
        </table>
      )}
      <nav className="pager" aria-label="Pages of nodes">
        <button
          type="button"
          className="button small"
          disabled={!after}
          onClick={() => {
            const prev = stack[stack.length - 1]
            setStack(stack.slice(0, -1))
            setParams({ after: prev ?? null })
          }}
        >
          {stack.length > 0 || !after ? '← Previous' : '⇤ First page'}
        </button>
        <span className="muted">
          {names.length > 0 ? `${names[0]} … ${names[names.length - 1]}` : ''}
        </span>
        <Field label="Per page" className="page-size">
          {(id) => (
          <select id={id} value={limit} onChange={(e) => { setStack([]); setParams({ limit: e.target.value === String(DEFAULT_PAGE) ? null : e.target.value, after: null }) }}>
            {PAGE_SIZES.map((n) => (
              <option key={n} value={n}>{n}</option>
            ))}
          </select>
          )}
        </Field>
        <button
          type="button"
          className="button small"
          disabled={!page.data.next}
          onClick={() => {
            setStack([...stack, after ?? ''])
            setParams({ after: page.data!.next })
          }}
        >
          Next →
        </button>
      </nav>
    </>
  )
}

/** The label's objective (the default of its nodes) and its budget summed over its nodes. */
function ObjectiveSection({ base, label, onChanged }: { base: string; label: string; onChanged: () => void }) {
  const { team } = useTeam()
  const own = useApi<Objective>(`${base}/objective`)
  const budget = useApi<LabelBudgets>(`${base}/budget?limit=5`)
  return (
    <Section title="Objective and error budget" id="objective">
      {(own.data || own.error?.status === 404) && <ObjectiveEditor path={`${base}/objective`} own={own.data ?? null} what={label} onChanged={onChanged} />}
      {budget.data && (
        <dl className="facts">
          <div>
            <dt>Nodes with a budget</dt>
            <dd>{formatInt(budget.data.nodes)}</dd>
          </div>
          <div>
            <dt>Exhausted</dt>
            <dd>{formatInt(budget.data.exhausted)}</dd>
          </div>
          <div>
            <dt>Budget left, all nodes</dt>
            <dd data-testid="label-budget">
              {formatBudget(budget.data.remaining)} <BudgetMeter ratio={budget.data.remaining_ratio} label={label} />
            </dd>
          </div>
          <div>
            <dt>Least left</dt>
            <dd>
              {budget.data.worst.length > 0 ? (
                <Link to={urls.node(team.name, label, budget.data.worst[0].name)}>{budget.data.worst[0].name}</Link>
              ) : (
                '—'
              )}{' '}
              <BudgetMeter ratio={budget.data.worst_ratio} label={`worst ${label}`} />
            </dd>
          </div>
        </dl>
      )}
    </Section>
  )
}

/** The windows that cover the label's nodes, and a form to declare one on the label or the team. */
function MaintenanceSection({ label }: { label: string }) {
  const { team, tz } = useTeam()
  const [now] = useState(() => Date.now() / 1000)
  const windows = useApi<Maintenance[]>(maintenancePath(team.name, now - 35 * 86400, now + 366 * 86400, label))
  return (
    <Section title="Maintenance windows" id="maintenance">
      <Async {...windows} what="Loading maintenance windows">
        {(ws) => <MaintenanceList team={team.name} windows={ws} tz={tz} onChanged={windows.reload} />}
      </Async>
      <MaintenanceForm team={team.name} label={label} tz={tz} start={Math.floor(now / 3600) * 3600} onDone={windows.reload} />
    </Section>
  )
}
