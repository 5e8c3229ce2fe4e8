import { PageHeader } from '../components/common'
import { Empty, Loading } from '../components/states'
import { useTeam } from '../context'
import { formatInt } from '../format'
import { useTitle } from '../hooks'
import { Link, urls } from '../router'

export default function Labels() {
  const { team, labels, labelsLoaded } = useTeam()
  useTitle(`${team.name} labels`)
  return (
    <>
      <PageHeader title="Labels" kicker={team.name} />
      {!labelsLoaded ? (
        <Loading what="Loading labels" />
      ) : labels.length === 0 ? (
        <Empty>
          No label yet: the graph is empty and the configuration names none. Push graph messages to <code>POST /api/v1/teams/{team.name}/messages</code> or to Kafka.
        </Empty>
      ) : (
        <table className="data">
          <thead>
            <tr>
              <th scope="col">Label</th>
              <th scope="col" className="num">Nodes</th>
              <th scope="col">QoS from</th>
            </tr>
          </thead>
          <tbody>
            {labels.map((l) => (
              <tr key={l.name}>
                <th scope="row">
                  <Link to={urls.label(team.name, l.name)}>{l.name}</Link>
                </th>
                <td className="num">{formatInt(l.nodes)}</td>
                <td>{l.qos ? <code>{l.qos}</code> : <span className="muted">not configured</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  )
}
