import { useMemo } from 'react'
import { teamPath, type Annotation, type Budget, type Label, type LabelBudget, type Run, type TeamBudgets, type TeamQos, type Worst } from '../api'
import { NoteList, NotesStrip } from '../components/Annotations'
import { BudgetMeter, BurnRates } from '../components/Budget'
import { formatBudget, objectiveText } from '../budget'
import { PageHeader, Section } from '../components/common'
import { DownloadButton } from '../components/Download'
import { ResourceTable } from '../components/ResourceTable'
import LineChart from '../components/LineChart'
import { QosBadge, QosLegend } from '../components/Qos'
import { RangePicker } from '../components/RangePicker'
import { RunsTable, runList } from '../components/RunsTable'
import { Sparkline } from '../components/Sparkline'
import { Async, Empty, Loading } from '../components/states'
import { useTeam } from '../context'
import { formatDelta, formatQos } from '../format'
import { useApi, useTitle } from '../hooks'
import { rangeFromParams, rangeQuery } from '../range'
import { Link, href, setParams, urls, useParams } from '../router'
import { addDays, dayStart, daysBetween, isDay, isoOf, yesterday } from '../time'
import { summarise, type LabelSummary } from '../qosdata'
import { DEFAULT_WORST, WORST_LIMITS, pickedDay, worstLimit } from '../overview'

export default function Dashboard() {
  const { team, tz, labels } = useTeam()
  useTitle(`${team.name} dashboard`)
  const params = useParams()
  const range = rangeFromParams(params, tz)
  const lastDay = yesterday(tz)
  const qos = useApi<TeamQos>(`${teamPath(team.name)}/qos?${rangeQuery(range)}`)
  const runs = useApi<Run[] | { runs: Run[] }>(`${teamPath(team.name)}/runs`)
  const days = useMemo(() => daysBetween(range.start, range.end), [range.start, range.end])
  const x = useMemo(() => days.map((d) => dayStart(d, tz)), [days, tz])
  const summary = useMemo(() => (qos.data ? summarise(qos.data, days) : []), [qos.data, days])
  const series = useMemo(() => summary.map((s) => ({ label: s.label, values: s.values })), [summary])
  const rangeParams = { start: params.get('start'), end: params.get('end') }
  const day = pickedDay(params, lastDay)
  const limit = worstLimit(params)

  return (
    <>
      <PageHeader title={`${team.name}`} kicker="Team dashboard">
        <RangePicker range={range} lastDay={lastDay} />
      </PageHeader>

      <Section
        title={`Label averages, ${range.start} → ${range.end}`}
        id="averages"
        actions={<DownloadButton path={`${teamPath(team.name)}/export/labels.csv?from=${range.start}&to=${range.end}`} filename={`qos-labels-${range.start}-${range.end}.csv`}>Download CSV</DownloadButton>}
      >
        <Async {...qos} what="Loading label averages">
          {() =>
            summary.length === 0 ? (
              <Empty>No QoS was computed in this range. Runs compute each day after midnight; start one from the <Link to={urls.runs(team.name)}>Runs</Link> page.</Empty>
            ) : (
              <>
                <LineChart
                  x={x}
                  series={series}
                  tz={tz}
                  xDays
                  ariaLabel={`Daily label averages from ${range.start} to ${range.end}; click a day to see its worst nodes`}
                  onPick={(t) => {
                    const d = days[x.indexOf(t)]
                    if (d) setParams({ day: d === lastDay ? null : d })
                  }}
                  mark={dayStart(day, tz)}
                />
                <p className="help no-print">Click a day on the chart to see its worst nodes below.</p>
                <AveragesTable summary={summary} rangeParams={rangeParams} />
                <QosLegend />
              </>
            )
          }
        </Async>
      </Section>

      <TeamNotes start={range.start} end={range.end} />

      <BudgetsSection />

      <Section title={`Worst nodes on ${day}${day === lastDay ? ' (yesterday)' : ''}`} id="worst">
        <WorstPicker day={day} lastDay={lastDay} first={range.start} limit={limit} />
        <WorstGrid labels={labels} day={day} limit={limit} />
      </Section>

      <Section title="Last runs" id="runs" actions={<Link to={urls.runs(team.name)}>All runs</Link>}>
        <Async {...runs} what="Loading runs">
          {(data) => <RunsTable runs={runList(data).slice(0, 8)} empty="No run yet." />}
        </Async>
      </Section>
    </>
  )
}

/** The averages' latest values per label, sortable by label, day, average and change. */
function AveragesTable({ summary, rangeParams }: { summary: LabelSummary[]; rangeParams: Record<string, string | null> }) {
  const { team } = useTeam()
  const delta = (s: LabelSummary) => (s.latest && s.previous ? s.latest.qos - s.previous.qos : null)
  return (
    <ResourceTable
      rows={summary}
      rowKey={(s) => s.label}
      label="Latest label averages"
      rowProps={(s) => ({ 'data-label': s.label })}
      empty="No label."
      columns={[
        { header: 'Label', sort: (s) => s.label, cell: (s) => <Link to={href(urls.label(team.name, s.label), rangeParams)}>{s.label}</Link> },
        { header: 'Latest day', sort: (s) => s.latest?.day ?? null, cell: (s) => s.latest?.day ?? '—' },
        {
          header: 'Latest average',
          className: 'num',
          sort: (s) => s.latest?.qos ?? null,
          cell: (s) => (
            <span data-testid="latest">
              <QosBadge qos={s.latest?.qos ?? null} />
            </span>
          ),
        },
        {
          header: 'vs. day before',
          className: 'num',
          sort: delta,
          cell: (s) => {
            const d = delta(s)
            return (
              <span className={d === null ? 'muted' : d < 0 ? 'trend-down' : d > 0 ? 'trend-up' : ''}>
                {d !== null && d < 0 ? '▼ ' : d !== null && d > 0 ? '▲ ' : ''}
                {formatDelta(d)}
              </span>
            )
          },
        },
        { header: 'Over the range', cell: (s) => <Sparkline values={s.values} label={`${s.label} daily averages`} /> },
      ]}
    />
  )
}

/** The day whose worst nodes are shown (also picked on the chart) and how many per label, kept in the URL. */
function WorstPicker({ day, lastDay, first, limit }: { day: string; lastDay: string; first: string; limit: number }) {
  const go = (d: string) => setParams({ day: d === lastDay ? null : d })
  return (
    <div className="day-pick no-print">
      <button type="button" className="button small ghost" onClick={() => go(addDays(day, -1))} aria-label="Previous day">
        ◀
      </button>
      <label>
        Day
        <input type="date" value={day} min={first < day ? first : undefined} max={lastDay} onChange={(e) => isDay(e.target.value) && e.target.value <= lastDay && go(e.target.value)} />
      </label>
      <button type="button" className="button small ghost" onClick={() => go(addDays(day, 1))} disabled={day >= lastDay} aria-label="Next day">
        ▶
      </button>
      <label>
        Nodes per label
        <select value={limit} onChange={(e) => setParams({ worst: Number(e.target.value) === DEFAULT_WORST ? null : e.target.value })}>
          {WORST_LIMITS.map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
      </label>
      {day !== lastDay && (
        <button type="button" className="button small ghost" onClick={() => go(lastDay)}>
          Back to yesterday
        </button>
      )}
    </div>
  )
}

function WorstGrid({ labels, day, limit }: { labels: Label[]; day: string; limit: number }) {
  const { labelsLoaded } = useTeam()
  const configured = labels.filter((l) => l.qos !== null)
  if (!labelsLoaded) return <Loading what="Loading labels" />
  if (labels.length === 0) return <Empty>No label yet.</Empty>
  if (configured.length === 0) return <Empty>No label has a QoS configured yet.</Empty>
  return (
    <div className="worst-grid">
      {configured.map((l) => (
        <WorstCard key={l.name} label={l.name} day={day} limit={limit} />
      ))}
    </div>
  )
}

function WorstCard({ label, day, limit }: { label: string; day: string; limit: number }) {
  const { team } = useTeam()
  const worst = useApi<Worst[]>(`${teamPath(team.name)}/labels/${encodeURIComponent(label)}/worst?day=${day}&limit=${limit}`)
  return (
    <div className="card worst-card" data-label={label}>
      <h3>
        <Link to={urls.label(team.name, label)}>{label}</Link>
      </h3>
      <Async {...worst} what="Loading">
        {(list) => (
          <ResourceTable
            rows={list}
            rowKey={(w) => w.name}
            label={`Worst ${label} nodes on ${day}`}
            rowProps={(w) => ({ 'data-node': w.name })}
            empty={<span className="muted">Every node at 100 (or nothing computed).</span>}
            columns={[
              {
                header: 'Node',
                sort: (w) => w.name,
                cell: (w) => (
                  <Link to={href(urls.node(team.name, label, w.name), { day })} title={`${w.name}: QoS ${formatQos(w.qos)} on ${day}`}>
                    {w.name}
                  </Link>
                ),
              },
              { header: 'QoS', className: 'num', sort: (w) => w.qos, cell: (w) => <QosBadge qos={w.qos} /> },
            ]}
          />
        )}
      </Async>
    </div>
  )
}

/** Shown on the dashboard: the newest notes of the range. */
const DASHBOARD_NOTES = 10

/** The team's notes over the dashboard's days, on a strip and listed newest first. */
function TeamNotes({ start, end }: { start: string; end: string }) {
  const { team, tz } = useTeam()
  const w = { start: dayStart(start, tz), end: dayStart(addDays(end, 1), tz) }
  const notes = useApi<Annotation[]>(`${teamPath(team.name)}/annotations?from=${isoOf(w.start)}&to=${isoOf(w.end)}`)
  const newest = useMemo(() => [...(notes.data ?? [])].reverse().slice(0, DASHBOARD_NOTES), [notes.data])
  return (
    <Section title={`Notes, ${start} → ${end}`} id="notes">
      <Async {...notes} what="Loading the team's notes">
        {(list) =>
          list.length === 0 ? (
            <Empty>No note of the team in this range. Notes are added on a node's page or in an incident view.</Empty>
          ) : (
            <>
              <NotesStrip notes={list} window={w} />
              <NoteList notes={newest} onChanged={notes.reload} />
              {list.length > DASHBOARD_NOTES && <p className="muted">The {DASHBOARD_NOTES} newest of {list.length}.</p>}
            </>
          )
        }
      </Async>
    </Section>
  )
}

/** Error budgets (docs/objectives.md): what is left per label, and the nodes with the least left. */
function BudgetsSection() {
  const { team } = useTeam()
  const budgets = useApi<TeamBudgets>(`${teamPath(team.name)}/budgets?limit=10`)
  return (
    <Section title="Error budgets" id="budgets">
      <Async {...budgets} what="Computing the budgets">
        {(b) =>
          b.labels.length === 0 ? (
            <Empty>No objective yet: set one on a label's page (the default of its nodes) or on a node's.</Empty>
          ) : (
            <>
              <ResourceTable<LabelBudget>
                rows={b.labels}
                rowKey={(l) => l.label}
                label="Error budget left per label"
                rowProps={(l) => ({ 'data-label': l.label })}
                empty="No label has a budget."
                columns={[
                  { header: 'Label', sort: (l) => l.label, cell: (l) => <Link to={urls.label(team.name, l.label)}>{l.label}</Link> },
                  { header: 'Objective', sort: (l) => l.objective?.target ?? null, cell: (l) => (l.objective ? objectiveText(l.objective) : <span className="muted">nodes' own</span>) },
                  { header: 'Nodes', className: 'num', sort: (l) => l.nodes, cell: (l) => l.nodes },
                  { header: 'Exhausted', className: 'num', sort: (l) => l.exhausted, cell: (l) => (l.exhausted > 0 ? <span className="badge warn">{l.exhausted}</span> : 0) },
                  {
                    header: 'Budget left (all its nodes)',
                    sort: (l) => l.remaining_ratio,
                    cell: (l) => (
                      <div data-testid="label-budget">
                        <BudgetMeter ratio={l.remaining_ratio} label={l.label} />
                      </div>
                    ),
                  },
                  { header: 'Worst node', sort: (l) => l.worst_ratio, cell: (l) => <BudgetMeter ratio={l.worst_ratio} label={`worst ${l.label}`} /> },
                ]}
              />
              <h3>Least budget left</h3>
              <ResourceTable<Budget>
                rows={b.worst}
                rowKey={(w) => `${w.label}/${w.name}`}
                label="Worst error budgets"
                rowProps={(w) => ({ 'data-node': `${w.label}/${w.name}` })}
                empty="No node has a budget yet."
                columns={[
                  {
                    header: 'Node',
                    sort: (w) => `${w.label} ${w.name}`,
                    cell: (w) => (
                      <Link to={urls.node(team.name, w.label, w.name)}>
                        <span className="muted">{w.label}</span> {w.name}
                      </Link>
                    ),
                  },
                  { header: 'Objective', sort: (w) => w.objective.target, cell: (w) => objectiveText(w.objective) },
                  {
                    header: 'Left',
                    sort: (w) => w.remaining_ratio,
                    cell: (w) => (
                      <div data-testid="node-budget">
                        <BudgetMeter ratio={w.remaining_ratio} label={w.name} />
                      </div>
                    ),
                  },
                  { header: 'Spent / allowed', className: 'num', sort: (w) => w.spent, cell: (w) => `${formatBudget(w.spent)} / ${formatBudget(w.allowed)}` },
                  { header: 'Burn rates', sort: (w) => w.burn_rates['1h'] ?? null, cell: (w) => <BurnRates rates={w.burn_rates} /> },
                ]}
              />
              <p className="help">Today is not counted yet here: burn rates are those at midnight. A node's page measures today live.</p>
            </>
          )
        }
      </Async>
    </Section>
  )
}
