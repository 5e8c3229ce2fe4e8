import { teamPath, type Rejected as Rej } from '../api'
import { PageHeader } from '../components/common'
import { ResourceTable } from '../components/ResourceTable'
import { Async } from '../components/states'
import { Field } from '../components/Field'
import { useTeam } from '../context'
import { useApi, useTitle } from '../hooks'
import { setParams, useParams } from '../router'
import { formatInstant } from '../time'

const LIMITS = [50, 200, 1000]

export default function Rejected() {
  const { team, tz } = useTeam()
  useTitle(`Rejected messages · ${team.name}`)
  const params = useParams()
  const limit = LIMITS.includes(Number(params.get('limit'))) ? Number(params.get('limit')) : LIMITS[0]
  const list = useApi<Rej[]>(`${teamPath(team.name)}/messages/rejected?limit=${limit}`)
  return (
    <>
      <PageHeader title="Rejected messages" kicker={team.name}>
        <Field label="Show">
          {(id) => (
          <select id={id} value={limit} onChange={(e) => setParams({ limit: e.target.value === String(LIMITS[0]) ? null : e.target.value })}>
            {LIMITS.map((n) => (
              <option key={n}>{n}</option>
            ))}
          </select>
          )}
        </Field>
        <button type="button" className="button small" onClick={list.reload}>
          Refresh
        </button>
      </PageHeader>
      <p className="help">Graph messages that failed validation, newest first, with the reason. On Kafka they also went to the dead-letter topic; the others of their batch were applied.</p>
      <Async {...list} what="Loading rejected messages">
        {(rows) => (
          <ResourceTable
            rows={rows}
            rowKey={(_, i) => String(i)}
            rowHeader={false}
            columns={[
              { header: 'At', className: 'nowrap', cell: (r) => formatInstant(r.at, tz) },
              { header: 'From', cell: (r) => r.source },
              { header: 'Reason', cell: (r) => <span className="error-text">{r.error}</span> },
              {
                header: 'Message',
                cell: (r) => (
                  <details>
                    <summary>
                      <code className="truncate">{r.message.slice(0, 80)}</code>
                    </summary>
                    <pre className="code">{r.message}</pre>
                  </details>
                ),
              },
            ]}
            empty="No rejected message: every message received was valid."
          />
        )}
      </Async>
    </>
  )
}
