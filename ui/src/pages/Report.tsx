// The monthly report of a team (docs/report.md): each customer-level node
// (one an objective applies to) with its month's QoS, its target met or
// missed, and its error budget over the month. Printable (styles.css
// @media print) and downloadable as CSV.
import { teamPath, type MonthReport, type MonthReportNode } from '../api'
import { BudgetMeter } from '../components/Budget'
import { PageHeader, Section } from '../components/common'
import { DownloadButton } from '../components/Download'
import { QosBadge } from '../components/Qos'
import { ResourceTable } from '../components/ResourceTable'
import { Async } from '../components/states'
import { useTeam } from '../context'
import { formatBudget, objectiveText } from '../budget'
import { useApi, useTitle } from '../hooks'
import { addMonths, isMonth, monthName, outcome, reportMonth } from '../report'
import { Link, setParams, urls, useParams } from '../router'
import { formatInstant, yesterday } from '../time'

const OUTCOME_TEXT = { met: 'Met', missed: 'Missed', unknown: 'No data' }

export default function Report() {
  const { team, tz } = useTeam()
  const params = useParams()
  const lastDay = yesterday(tz)
  const latest = lastDay.slice(0, 7)
  const month = reportMonth(params.get('month'), lastDay)
  useTitle(`${team.name} report ${month}`)
  const rep = useApi<MonthReport>(`${teamPath(team.name)}/report?month=${month}`)
  const go = (m: string) => setParams({ month: m === latest ? null : m })
  return (
    <>
      <PageHeader title={`Monthly report, ${monthName(month)}`} kicker={`Team ${team.name}`}>
        <div className="day-pick">
          <button type="button" className="button small ghost" onClick={() => go(addMonths(month, -1))} aria-label="Previous month">
            ◀
          </button>
          <label>
            Month
            <input type="month" value={month} max={latest} onChange={(e) => isMonth(e.target.value) && e.target.value <= latest && go(e.target.value)} />
          </label>
          <button type="button" className="button small ghost" onClick={() => go(addMonths(month, 1))} disabled={month >= latest} aria-label="Next month">
            ▶
          </button>
          <DownloadButton path={`${teamPath(team.name)}/report.csv?month=${month}`} filename={`report-${team.name}-${month}.csv`}>
            Download CSV
          </DownloadButton>
          <button type="button" className="button small primary" onClick={() => window.print()}>
            Print
          </button>
        </div>
      </PageHeader>
      <p className="print-only">
        depc · team {team.name} · printed {formatInstant(Date.now() / 1000, tz, false)} ({tz})
      </p>
      <Async {...rep} what="Computing the report">
        {(r) => <ReportBody r={r} />}
      </Async>
    </>
  )
}

export function ReportBody({ r }: { r: MonthReport }) {
  const { team } = useTeam()
  return (
    <Section title={`${r.from} → ${r.to}`} id="report">
      <div className="report-summary" data-testid="report-summary">
        <span>
          <strong data-testid="report-met">{r.met}</strong> met
        </span>
        <span>
          <strong data-testid="report-missed">{r.missed}</strong> missed
        </span>
        <span>
          <strong data-testid="report-unknown">{r.unknown}</strong> without data
        </span>
      </div>
      {!r.complete && (
        <p className="notice" role="note">
          The month is not over: figures count the days computed so far, and the days to come are pending (counted in full in the budget allowed).
        </p>
      )}
      <p className="help">
        Each node an objective applies to (its own, or its label's), measured against its target over the calendar month, whatever the objective's own window. QoS is 100 × OK / (OK + KO) seconds of the month's computed days.
      </p>
      <ResourceTable<MonthReportNode>
        rows={r.nodes}
        rowKey={(n) => `${n.label}/${n.name}`}
        label={`Monthly report ${r.month}`}
        rowProps={(n) => ({ 'data-node': `${n.label}/${n.name}`, 'data-outcome': outcome(n) })}
        empty={
          <>
            No objective yet, so no node to report on: set one on a label's page (the default of its nodes) or on a node's. See the <Link to={urls.team(team.name)}>dashboard</Link>.
          </>
        }
        columns={[
          {
            header: 'Node',
            sort: (n) => `${n.label} ${n.name}`,
            cell: (n) => (
              <Link to={urls.node(team.name, n.label, n.name)}>
                <span className="muted">{n.label}</span> {n.name}
              </Link>
            ),
          },
          { header: 'Objective', sort: (n) => n.objective.target, cell: (n) => objectiveText(n.objective) },
          {
            header: 'QoS',
            className: 'num',
            sort: (n) => n.qos,
            cell: (n) => (
              <span data-testid="report-qos">
                <QosBadge qos={n.qos} />
              </span>
            ),
          },
          {
            header: 'Result',
            sort: (n) => ({ missed: 0, unknown: 1, met: 2 })[outcome(n)],
            cell: (n) => (
              <span className={outcome(n)} data-testid="report-outcome">
                {OUTCOME_TEXT[outcome(n)]}
              </span>
            ),
          },
          { header: 'Allowed', className: 'num', sort: (n) => n.allowed, cell: (n) => formatBudget(n.allowed) },
          { header: 'Spent', className: 'num', sort: (n) => n.spent, cell: (n) => formatBudget(n.spent) },
          { header: 'Remaining', className: 'num', sort: (n) => n.remaining, cell: (n) => formatBudget(n.remaining) },
          { header: 'Budget left', sort: (n) => n.remaining_ratio, cell: (n) => <BudgetMeter ratio={n.remaining_ratio} label={n.name} /> },
        ]}
      />
      {r.errors.length > 0 && (
        <details>
          <summary>{r.errors.length} problem{r.errors.length === 1 ? '' : 's'}</summary>
          <ul>
            {r.errors.map((e, i) => (
              <li key={i}>
                {e.label} {e.name}: {e.error}
              </li>
            ))}
          </ul>
        </details>
      )}
    </Section>
  )
}
