// The instance's administration (admins): users and their tokens, and the
// whole audit log.
import { useState } from 'react'
import { seg, type CreatedUser, type User } from '../api'
import { PageHeader, Section } from '../components/common'
import { AuditLog, SecretOnce, TokenList, localZone } from '../components/Access'
import { DeleteButton, EditForm } from '../components/Crud'
import { ResourceTable } from '../components/ResourceTable'
import { Async } from '../components/states'
import { useApi, useTitle } from '../hooks'
import { formatInstant } from '../time'

export default function Admin() {
  useTitle('Admin')
  const users = useApi<User[]>('/users')
  const [creating, setCreating] = useState(false)
  const [name, setName] = useState('')
  const [admin, setAdmin] = useState(false)
  const [created, setCreated] = useState<CreatedUser | null>(null)
  const [selected, setSelected] = useState<string | null>(null)
  return (
    <>
      <PageHeader title="Admin" kicker="instance">
        <button type="button" className="button primary" onClick={() => setCreating(true)}>
          New user
        </button>
      </PageHeader>
      {creating && (
        <EditForm<CreatedUser>
          title="New user"
          path="/users"
          method="POST"
          body={() => ({ name, admin })}
          onDone={(u) => {
            setCreated(u)
            setCreating(false)
            setName('')
            setAdmin(false)
            users.reload()
          }}
          onCancel={() => setCreating(false)}
        >
          <div className="fields">
            <label>
              User name <input value={name} onChange={(e) => setName(e.target.value)} required />
            </label>
            <label>
              <input type="checkbox" checked={admin} onChange={(e) => setAdmin(e.target.checked)} /> Admin
            </label>
          </div>
        </EditForm>
      )}
      {created && <SecretOnce title={`Token of ${created.name}`} secret={created.token} onClose={() => setCreated(null)} />}
      <Section title="Users" id="users">
        <Async {...users} what="Loading users">
          {(list) => (
            <ResourceTable
              rows={list}
              rowKey={(u) => u.name}
              columns={[
                { header: 'User', cell: (u) => u.name },
                { header: 'Admin', cell: (u) => (u.admin ? 'yes' : '') },
                { header: 'Created', cell: (u) => formatInstant(u.created_at, localZone) },
              ]}
              actions={(u) => (
                <>
                  <button type="button" className="button small ghost" aria-pressed={selected === u.name} onClick={() => setSelected(selected === u.name ? null : u.name)}>
                    Tokens
                  </button>
                  <DeleteButton
                    path={`/users/${seg(u.name)}`}
                    what={`user ${u.name}`}
                    onDone={() => {
                      if (selected === u.name) setSelected(null)
                      users.reload()
                    }}
                  />
                </>
              )}
              empty="No user yet."
            />
          )}
        </Async>
      </Section>
      {selected && (
        <Section title={`Tokens of ${selected}`} id="user-tokens">
          <TokenList key={selected} base={`/users/${seg(selected)}/tokens`} what={selected} />
        </Section>
      )}
      <Section title="Audit log" id="audit">
        <AuditLog path="/audit?limit=200" tz={localZone} showTeam />
      </Section>
    </>
  )
}
