// A team's access (its managers): who holds which role, and the team's audit log.
import { useState } from 'react'
import { request, seg, teamPath, type Grant, type Me, type Role } from '../api'
import { TeamLimitsPanel } from '../components/Limits'
import { TeamAdmin } from '../components/TeamAdmin'
import { ROLES } from '../access'
import { PageHeader, Section } from '../components/common'
import { AuditLog } from '../components/Access'
import { DeleteButton, EditForm } from '../components/Crud'
import { ResourceTable } from '../components/ResourceTable'
import { Async, ErrorBox } from '../components/states'
import { useTeam } from '../context'
import { toApiError, useApi, useTitle } from '../hooks'

export default function Access() {
  const { team, tz } = useTeam()
  useTitle(`Access · ${team.name}`)
  const grants = useApi<Grant[]>(`${teamPath(team.name)}/grants`)
  const me = useApi<Me>('/me')
  const [adding, setAdding] = useState(false)
  const [user, setUser] = useState('')
  const [role, setRole] = useState<Role>('viewer')
  const [error, setError] = useState<Error | null>(null)
  const grantPath = (u: string) => `${teamPath(team.name)}/grants/${seg(u)}`
  async function change(g: Grant, r: Role) {
    setError(null)
    try {
      await request(grantPath(g.user), { method: 'PUT', body: { role: r } })
      grants.reload()
    } catch (e) {
      setError(toApiError(e))
    }
  }
  return (
    <>
      <PageHeader title="Access" kicker={team.name}>
        <button type="button" className="button primary" onClick={() => setAdding(true)}>
          Grant a role
        </button>
      </PageHeader>
      <p className="help">Viewers read the team; editors also write graph messages, checks, rules, the configuration and runs; managers also sources and grants.</p>
      {adding && (
        <EditForm<Grant>
          title="New grant"
          path={grantPath(user)}
          method="PUT"
          submitText="Grant"
          body={() => {
            if (!user.trim()) throw new Error('user: required')
            return { role }
          }}
          onDone={() => {
            setAdding(false)
            setUser('')
            grants.reload()
          }}
          onCancel={() => setAdding(false)}
        >
          <div className="fields">
            <label>
              User <input value={user} onChange={(e) => setUser(e.target.value)} required />
            </label>
            <label>
              Role{' '}
              <select value={role} onChange={(e) => setRole(e.target.value as Role)}>
                {ROLES.map((r) => (
                  <option key={r}>{r}</option>
                ))}
              </select>
            </label>
          </div>
        </EditForm>
      )}
      {error && <ErrorBox error={error} title="The API refused it" />}
      <Section title="Grants" id="grants">
        <Async {...grants} what="Loading grants">
          {(list) => (
            <ResourceTable
              rows={list}
              rowKey={(g) => g.user}
              columns={[
                { header: 'User', cell: (g) => g.user },
                {
                  header: 'Role',
                  cell: (g) => (
                    <select aria-label={`Role of ${g.user}`} value={g.role} onChange={(e) => change(g, e.target.value as Role)}>
                      {ROLES.map((r) => (
                        <option key={r}>{r}</option>
                      ))}
                    </select>
                  ),
                },
              ]}
              actions={(g) => <DeleteButton path={grantPath(g.user)} what={`grant of ${g.user}`} onDone={grants.reload} />}
              empty="No grant: only admins reach this team."
            />
          )}
        </Async>
      </Section>
      <Section title="Limits" id="limits">
        <p className="help">What the team may ingest, and whether its managers may create sources of their own (docs/isolation.md). Admins set the overrides.</p>
        <TeamLimitsPanel team={team.name} admin={Boolean(me.data?.admin)} />
      </Section>
      {me.data?.admin && (
        <Section title="Rename or delete the team" id="team-admin">
          <TeamAdmin key={team.name} team={team.name} />
        </Section>
      )}
      <Section title="Audit log" id="audit">
        <AuditLog path={`${teamPath(team.name)}/audit?limit=200`} tz={tz} />
      </Section>
    </>
  )
}
