import { useMemo } from 'react'
import { teamPath, type Annotation, type Label, type Run, type TeamBudgets, type TeamQos, type Worst } from '../api'
import { NoteList, NotesStrip } from '../components/Annotations'
import { BudgetMeter, BurnRates } from '../components/Budget'
import { formatBudget, objectiveText } from '../budget'
import { PageHeader, Section } from '../components/common'
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
import { Link, href, urls, useParams } from '../router'
import { addDays, dayStart, daysBetween, isoOf, yesterday } from '../time'
import { summarise } from '../qosdata'

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

  return (
    <>
      <PageHeader title={`${team.name}`} kicker="Team dashboard">
        <RangePicker range={range} lastDay={lastDay} />
      </PageHeader>

      <Section title={`Label averages, ${range.start} → ${range.end}`} id="averages">
        <Async {...qos} what="Loading label averages">
          {() =>
            summary.length === 0 ? (
              <Empty>No QoS was computed in this range. Runs compute each day after midnight; start one from the <Link to={urls.runs(team.name)}>Runs</Link> page.</Empty>
            ) : (
              <>
                <LineChart x={x} series={series} tz={tz} xDays ariaLabel={`Daily label averages from ${range.start} to ${range.end}`} />
                <table className="data" aria-label="Latest label averages">
                  <thead>
                    <tr>
                      <th scope="col">Label</th>
                      <th scope="col">Latest day</th>
                      <th scope="col" className="num">Latest average</th>
                      <th scope="col" className="num">vs. day before</th>
                      <th scope="col">Over the range</th>
                    </tr>
                  </thead>
                  <tbody>
                    {summary.map((s) => {
                      const delta = s.latest && s.previous ? s.latest.qos - s.previous.qos : null
                      return (
                        <tr key={s.label} data-label={s.label}>
                          <th scope="row">
                            <Link to={href(urls.label(team.name, s.label), rangeParams)}>{s.label}</Link>
                          </th>
                          <td>{s.latest?.day ?? '—'}</td>
                          <td className="num" data-testid="latest">
                            <QosBadge qos={s.latest?.qos ?? null} />
                          </td>
                          <td className="num">
                            <span className={delta === null ? 'muted' : delta < 0 ? 'trend-down' : delta > 0 ? 'trend-up' : ''}>
                              {delta !== null && delta < 0 ? '▼ ' : delta !== null && delta > 0 ? '▲ ' : ''}
                              {formatDelta(delta)}
                            </span>
                          </td>
                          <td>
                            <Sparkline values={s.values} label={`${s.label} daily averages`} />
                          </td>
                        </tr>
                      )
                    })}
                  </tbody>
                </table>
                <QosLegend />
              </>
            )
          }
        </Async>
      </Section>

      <TeamNotes start={range.start} end={range.end} />

      <BudgetsSection />

      <Section title={`Worst nodes on ${lastDay} (yesterday)`} id="worst">
        <WorstGrid labels={labels} day={lastDay} />
      </Section>

      <Section title="Last runs" id="runs" actions={<Link to={urls.runs(team.name)}>All runs</Link>}>
        <Async {...runs} what="Loading runs">
          {(data) => <RunsTable runs={runList(data).slice(0, 8)} empty="No run yet." />}
        </Async>
      </Section>
    </>
  )
}

function WorstGrid({ labels, day }: { labels: Label[]; day: string }) {
  const { labelsLoaded } = useTeam()
  const configured = labels.filter((l) => l.qos !== null)
  if (!labelsLoaded) return <Loading what="Loading labels" />
  if (labels.length === 0) return <Empty>No label yet.</Empty>
  if (configured.length === 0) return <Empty>No label has a QoS configured yet.</Empty>
  return (
    <div className="worst-grid">
      {configured.map((l) => (
        <WorstCard key={l.name} label={l.name} day={day} />
      ))}
    </div>
  )
}

function WorstCard({ label, day }: { label: string; day: string }) {
  const { team } = useTeam()
  const worst = useApi<Worst[]>(`${teamPath(team.name)}/labels/${encodeURIComponent(label)}/worst?day=${day}&limit=5`)
  return (
    <div className="card worst-card" data-label={label}>
      <h3>
        <Link to={urls.label(team.name, label)}>{label}</Link>
      </h3>
      <Async {...worst} what="Loading">
        {(list) =>
          list.length === 0 ? (
            <p className="muted">Every node at 100 (or nothing computed).</p>
          ) : (
            <ol className="worst-list">
              {list.map((w) => (
                <li key={w.name}>
                  <Link to={href(urls.node(team.name, label, w.name), { day })} title={`${w.name}: QoS ${formatQos(w.qos)} on ${day}`}>
                    {w.name}
                  </Link>
                  <QosBadge qos={w.qos} />
                </li>
              ))}
            </ol>
          )
        }
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
              <table className="data" aria-label="Error budget left per label">
                <thead>
                  <tr>
                    <th scope="col">Label</th>
                    <th scope="col">Objective</th>
                    <th scope="col" className="num">Nodes</th>
                    <th scope="col" className="num">Exhausted</th>
                    <th scope="col">Budget left (all its nodes)</th>
                    <th scope="col">Worst node</th>
                  </tr>
                </thead>
                <tbody>
                  {b.labels.map((l) => (
                    <tr key={l.label} data-label={l.label}>
                      <th scope="row">
                        <Link to={urls.label(team.name, l.label)}>{l.label}</Link>
                      </th>
                      <td>{l.objective ? objectiveText(l.objective) : <span className="muted">nodes' own</span>}</td>
                      <td className="num">{l.nodes}</td>
                      <td className="num">{l.exhausted > 0 ? <span className="badge warn">{l.exhausted}</span> : 0}</td>
                      <td data-testid="label-budget">
                        <BudgetMeter ratio={l.remaining_ratio} label={l.label} />
                      </td>
                      <td>
                        <BudgetMeter ratio={l.worst_ratio} label={`worst ${l.label}`} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <h3>Least budget left</h3>
              <table className="data" aria-label="Worst error budgets">
                <thead>
                  <tr>
                    <th scope="col">Node</th>
                    <th scope="col">Objective</th>
                    <th scope="col">Left</th>
                    <th scope="col" className="num">Spent / allowed</th>
                    <th scope="col">Burn rates</th>
                  </tr>
                </thead>
                <tbody>
                  {b.worst.map((w) => (
                    <tr key={`${w.label}/${w.name}`} data-node={`${w.label}/${w.name}`}>
                      <th scope="row">
                        <Link to={urls.node(team.name, w.label, w.name)}>
                          <span className="muted">{w.label}</span> {w.name}
                        </Link>
                      </th>
                      <td>{objectiveText(w.objective)}</td>
                      <td data-testid="node-budget">
                        <BudgetMeter ratio={w.remaining_ratio} label={w.name} />
                      </td>
                      <td className="num">
                        {formatBudget(w.spent)} / {formatBudget(w.allowed)}
                      </td>
                      <td>
                        <BurnRates rates={w.burn_rates} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <p className="help">Today is not counted yet here: burn rates are those at midnight. A node's page measures today live.</p>
            </>
          )
        }
      </Async>
    </Section>
  )
}
