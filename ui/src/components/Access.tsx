// The pieces the access pages share: a secret shown once, a user's token
// list (the admin's view of a user and anyone's own tokens are the same
// list under another path), and the audit log.
import { useState } from 'react'
import { request, type AuditEntry, type CreatedToken, type Token } from '../api'
import { auditDoc, expiryOf, newestAuditFirst } from '../access'
import { useApi, toApiError } from '../hooks'
import { formatInstant } from '../time'
import { DeleteButton, EditForm } from './Crud'
import { ResourceTable } from './ResourceTable'
import { Async, ErrorBox } from './states'

/** The browser's zone: instance pages have no team zone to show times in. */
export const localZone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'

function When({ at, tz }: { at: number | null | undefined; tz: string }) {
  if (at === null || at === undefined) return <span className="muted">never</span>
  return <time dateTime={new Date(at * 1000).toISOString()}>{formatInstant(at, tz)}</time>
}

/** A token's secret, shown this once (only its hash is stored), with a copy button. */
export function SecretOnce({ title, secret, onClose }: { title: string; secret: string; onClose: () => void }) {
  const [copied, setCopied] = useState(false)
  return (
    <div className="card secret-once" role="region" aria-label={title}>
      <h3>{title}</h3>
      <p className="help">Copy it now: it is shown only this once.</p>
      <code className="wrap" data-testid="secret">{secret}</code>
      <div className="button-row">
        <button
          type="button"
          className="button small"
          onClick={() => {
            navigator.clipboard?.writeText(secret).then(() => setCopied(true), () => setCopied(false))
          }}
        >
          {copied ? 'Copied' : 'Copy'}
        </button>
        <button type="button" className="button small ghost" onClick={onClose}>
          Done
        </button>
      </div>
    </div>
  )
}

/** The tokens under base (`/me/tokens` or `/users/{user}/tokens`): create, rotate, revoke. */
export function TokenList({ base, what }: { base: string; what: string }) {
  const list = useApi<Token[]>(base)
  const [creating, setCreating] = useState(false)
  const [name, setName] = useState('')
  const [expires, setExpires] = useState('')
  const [shown, setShown] = useState<CreatedToken | null>(null)
  const [error, setError] = useState<Error | null>(null)
  async function rotate(t: Token) {
    setError(null)
    try {
      setShown(await request<CreatedToken>(`${base}/${t.id}/rotate`, { method: 'POST', body: {} }))
      list.reload()
    } catch (e) {
      setError(toApiError(e))
    }
  }
  return (
    <>
      <div className="button-row">
        <button type="button" className="button" onClick={() => setCreating(true)}>
          New token
        </button>
      </div>
      {creating && (
        <EditForm<CreatedToken>
          title={`New token for ${what}`}
          path={base}
          method="POST"
          body={() => ({ name, expires_at: expiryOf(expires) })}
          onDone={(t) => {
            setShown(t)
            setCreating(false)
            setName('')
            setExpires('')
            list.reload()
          }}
          onCancel={() => setCreating(false)}
        >
          <div className="fields">
            <label>
              Token name <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={128} />
            </label>
            <label>
              Expires (optional) <input type="date" value={expires} onChange={(e) => setExpires(e.target.value)} />
            </label>
          </div>
        </EditForm>
      )}
      {shown && <SecretOnce title={`Token ${shown.name}`} secret={shown.token} onClose={() => setShown(null)} />}
      {error && <ErrorBox error={error} title="The API refused it" />}
      <Async {...list} what="Loading tokens">
        {(tokens) => (
          <ResourceTable
            rows={tokens}
            rowKey={(t) => String(t.id)}
            label={`Tokens of ${what}`}
            columns={[
              { header: 'Name', cell: (t) => t.name },
              { header: 'Created', cell: (t) => <When at={t.created_at} tz={localZone} /> },
              { header: 'Expires', cell: (t) => (t.expired ? <span className="badge warn">expired</span> : <When at={t.expires_at} tz={localZone} />) },
            ]}
            actions={(t) => (
              <>
                <button type="button" className="button small ghost" onClick={() => rotate(t)}>
                  Rotate
                </button>
                <DeleteButton path={`${base}/${t.id}`} what={`token ${t.name}`} onDone={list.reload} />
              </>
            )}
            empty="No token."
          />
        )}
      </Async>
    </>
  )
}

/** An audit log (GET path, newest first): who, when, route, path; before and after on demand. */
export function AuditLog({ path, tz, showTeam = false }: { path: string; tz: string; showTeam?: boolean }) {
  const log = useApi<AuditEntry[]>(path)
  return (
    <Async {...log} what="Loading the audit log">
      {(entries) => (
        <>
        <div className="button-row">
          <button type="button" className="button small ghost" onClick={log.reload}>
            Refresh
          </button>
        </div>
        <ResourceTable
          rows={newestAuditFirst(entries)}
          rowKey={(e) => String(e.id)}
          label="Audit log"
          columns={[
            { header: 'When', cell: (e) => <When at={e.at} tz={tz} /> },
            { header: 'Who', cell: (e) => e.user },
            ...(showTeam ? [{ header: 'Team', cell: (e: AuditEntry) => e.team || <span className="muted">instance</span> }] : []),
            { header: 'Route', cell: (e) => <code>{e.action}</code> },
            { header: 'Path', cell: (e) => <code className="wrap">{e.target}</code> },
            { header: 'Status', className: 'num', cell: (e) => e.status },
            {
              header: 'Change',
              cell: (e) => (
                <details>
                  <summary>before / after</summary>
                  <div className="audit-docs">
                    <pre aria-label="before">{auditDoc(e.before)}</pre>
                    <pre aria-label="after">{auditDoc(e.after)}</pre>
                  </div>
                </details>
              ),
            },
          ]}
          empty="No write recorded yet."
        />
        </>
      )}
    </Async>
  )
}
