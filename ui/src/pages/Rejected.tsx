import { teamPath, type Rejected as Rej } from '../api'
import { PageHeader } from '../components/common'
import { Async, Empty } from '../components/states'
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
        {(rows) =>
          rows.length === 0 ? (
            <Empty>No rejected message: every message received was valid.</Empty>
          ) : (
            <table className="data">
              <thead>
                <tr>
                  <th scope="col">At</th>
                  <th scope="col">From</th>
                  <th scope="col">Reason</th>
                  <th scope="col">Message</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r, i) => (
                  <tr key={i}>
                    <td className="nowrap">{formatInstant(r.at, tz)}</td>
                    <td>{r.source}</td>
                    <td className="error-text">{r.error}</td>
                    <td>
                      <details>
                        <summary>
                          <code className="truncate">{r.message.slice(0, 80)}</code>
                        </summary>
                        <pre className="code">{r.message}</pre>
                      </details>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Async>
    </>
  )
}
