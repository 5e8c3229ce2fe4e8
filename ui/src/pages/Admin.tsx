// The instance's administration (admins): users and their tokens, the
// news shown to every user as a banner, and the whole audit log.
import { useState } from 'react'
import { seg, type CreatedUser, type News, type User } from '../api'
import { PageHeader, Section } from '../components/common'
import { AuditLog, SecretOnce, TokenList, localZone } from '../components/Access'
import { DeleteButton, EditForm, RowActions } from '../components/Crud'
import { newsChanged } from '../components/NewsBanner'
import { ResourceTable } from '../components/ResourceTable'
import { Async } from '../components/states'
import { useApi, useTitle } from '../hooks'
import { Link, urls } from '../router'
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
        <Link to={urls.sharedSources()} className="button">
          Shared sources
        </Link>
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
      <NewsSection />
      <Section title="Audit log" id="audit">
        <AuditLog path="/audit?limit=200" tz={localZone} showTeam />
      </Section>
    </>
  )
}

/** The limits of news (depc.MaxNewsTitle, MaxNewsText). */
const MAX_TITLE = 200
const MAX_TEXT = 4000

/**
 * The admins' news (GET/POST/PUT/DELETE /news): the newest is the banner
 * every user sees until they close it.
 */
function NewsSection() {
  const news = useApi<News[]>('/news?limit=100')
  const [editing, setEditing] = useState<News | 'new' | null>(null)
  const [title, setTitle] = useState('')
  const [text, setText] = useState('')
  const edit = (n: News | 'new') => {
    setEditing(n)
    setTitle(n === 'new' ? '' : n.title)
    setText(n === 'new' ? '' : n.text)
  }
  const done = () => {
    setEditing(null)
    news.reload()
    newsChanged()
  }
  return (
    <Section
      title="News"
      id="news"
      actions={
        <button type="button" className="button small primary" onClick={() => edit('new')}>
          New news
        </button>
      }
    >
      <p className="help">The newest news is shown to every user as a banner at the top of each page, until they close it.</p>
      {editing && (
        <EditForm<News>
          title={editing === 'new' ? 'New news' : `Edit news ${editing.id}`}
          path={editing === 'new' ? '/news' : `/news/${editing.id}`}
          method={editing === 'new' ? 'POST' : 'PUT'}
          body={() => ({ title, text })}
          onDone={done}
          onCancel={() => setEditing(null)}
          submitText={editing === 'new' ? 'Publish' : 'Save'}
        >
          <div className="fields">
            <label>
              Title <input value={title} onChange={(e) => setTitle(e.target.value)} maxLength={MAX_TITLE} required />
            </label>
            <label>
              Text <textarea value={text} onChange={(e) => setText(e.target.value)} maxLength={MAX_TEXT} rows={3} required />
            </label>
          </div>
        </EditForm>
      )}
      <Async {...news} what="Loading news">
        {(list) => (
          <ResourceTable
            rows={list}
            rowKey={(n) => String(n.id)}
            label="News"
            rowProps={(n) => ({ 'data-news': String(n.id) })}
            columns={[
              { header: 'Title', sort: (n) => n.title, cell: (n) => n.title },
              { header: 'Text', cell: (n) => <span className="news-text">{n.text}</span> },
              { header: 'Author', sort: (n) => n.author, cell: (n) => n.author },
              { header: 'Published', sort: (n) => n.created_at, cell: (n) => formatInstant(n.created_at, localZone) },
              { header: 'Changed', sort: (n) => n.updated_at, cell: (n) => (n.updated_at !== n.created_at ? formatInstant(n.updated_at, localZone) : '') },
            ]}
            actions={(n) => <RowActions onEdit={() => edit(n)} path={`/news/${n.id}`} what={`news ${n.id}`} onDeleted={done} />}
            empty="No news: users see no banner."
          />
        )}
      </Async>
    </Section>
  )
}
