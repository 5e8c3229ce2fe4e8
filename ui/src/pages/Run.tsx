import { seg, teamPath, type Run } from '../api'
import { PageHeader, RunStatus, RunTime, Section, daysText } from '../components/common'
import { ErrorList } from '../components/RunsTable'
import { Async, Empty } from '../components/states'
import { useTeam } from '../context'
import { formatInt, formatProgress } from '../format'
import { useApi, useInterval, useTitle } from '../hooks'
import { Link, urls } from '../router'

export default function RunPage({ id }: { id: string }) {
  const { team, tz } = useTeam()
  useTitle(`Run ${id} · ${team.name}`)
  const run = useApi<Run>(`${teamPath(team.name)}/runs/${seg(id)}`)
  const active = run.data?.status === 'queued' || run.data?.status === 'running'
  useInterval(run.reload, 2000, active)
  return (
    <>
      <PageHeader title={`Run #${id}`} kicker={<Link to={urls.runs(team.name)}>Runs</Link>} />
      <Async {...run} what="Loading the run">
        {(r) => (
          <>
            <dl className="facts">
              <div>
                <dt>Status</dt>
                <dd>
                  <RunStatus run={r} />
                </dd>
              </div>
              <div>
                <dt>Days</dt>
                <dd>{daysText(r.days)}</dd>
              </div>
              <div>
                <dt>Progress</dt>
                <dd>{formatProgress(r.progress)}</dd>
              </div>
              <div>
                <dt>Nodes</dt>
                <dd>{formatInt(r.nodes)}</dd>
              </div>
              {r.created_at ? (
                <div>
                  <dt>Queued</dt>
                  <dd>
                    <RunTime at={r.created_at} tz={tz} />
                  </dd>
                </div>
              ) : null}
              <div>
                <dt>Started</dt>
                <dd>
                  <RunTime at={r.started_at} tz={tz} />
                </dd>
              </div>
              <div>
                <dt>Finished</dt>
                <dd>
                  <RunTime at={r.finished_at} tz={tz} />
                </dd>
              </div>
            </dl>
            <Section title={`Errors (${r.errors?.length ?? 0})`} id="errors">
              {r.errors && r.errors.length > 0 ? <ErrorList errors={r.errors} /> : <Empty>No node or source failed in this run.</Empty>}
            </Section>
          </>
        )}
      </Async>
    </>
  )
}
