import type { Team } from '../api'
import { Async, Empty } from '../components/states'
import { useApi, useTitle } from '../hooks'
import { Link, urls } from '../router'

/** The teams the token may read. */
export function Teams() {
  useTitle('Teams')
  const teams = useApi<Team[]>('/teams')
  return (
    <section>
      <h1 tabIndex={-1}>Teams</h1>
      <Async {...teams} what="Loading teams">
        {(list) =>
          list.length === 0 ? (
            <Empty>
              This token may read no team yet. An admin creates teams with <code>POST /api/v1/teams</code> and grants roles with{' '}
              <code>PUT /api/v1/teams/&#123;team&#125;/grants/&#123;user&#125;</code>.
            </Empty>
          ) : (
            <ul className="team-list">
              {[...list]
                .sort((a, b) => a.name.localeCompare(b.name))
                .map((t) => (
                  <li key={t.name}>
                    <Link to={urls.team(t.name)} className="card team-card">
                      <span className="team-name">{t.name}</span>
                      <span className="muted">{t.timezone || 'UTC'}</span>
                    </Link>
                  </li>
                ))}
            </ul>
          )
        }
      </Async>
    </section>
  )
}
