import { useState } from 'react'
import { seg, teamPath, type Alert, type AlertDelivery, type AlertReceiver } from '../api'
import { PageHeader, RunTime, Section } from '../components/common'
import { EditForm, RowActions } from '../components/Crud'
import { Field } from '../components/Field'
import { ResourceTable } from '../components/ResourceTable'
import { Async } from '../components/states'
import { useTeam } from '../context'
import { useApi, useInterval, useTitle } from '../hooks'
import { Link, urls } from '../router'

/** What the mask of a stored secret looks like in answers (api.SecretMask). */
const MASK = '********'

const NAMES: Record<string, string> = {
  DepcErrorBudgetBurn: 'Error budget burn',
  DepcDayUnderTarget: 'Day under target',
}

/** The run status whose colours a delivery's status takes. */
const DELIVERY_STATUS: Record<AlertDelivery['status'], string> = {
  delivered: 'status-succeeded',
  failed: 'status-failed',
  pending: 'status-queued',
  superseded: 'status-queued',
}

/** The alert's name as people read it. */
export function alertName(a: Pick<Alert, 'labels'>): string {
  const n = a.labels.alertname ?? ''
  return NAMES[n] ?? n
}

/**
 * The team's alerts (docs/alerts.md): what fires now, where alerts go (the
 * receivers, for managers) and the latest deliveries with their attempts.
 */
export default function Alerts() {
  const { team, tz } = useTeam()
  useTitle(`Alerts · ${team.name}`)
  const base = `${teamPath(team.name)}/alerts`
  const alerts = useApi<Alert[]>(base)
  const deliveries = useApi<AlertDelivery[]>(`${base}/deliveries?limit=50`)
  const receivers = useApi<AlertReceiver[]>(`${base}/receivers`)
  const [editing, setEditing] = useState<AlertReceiver | 'new' | null>(null)
  // Alerts are evaluated and sent in the background: follow them.
  useInterval(() => {
    alerts.reload()
    deliveries.reload()
  }, 10_000, true)
  const manager = !receivers.error || receivers.error.status !== 403
  return (
    <>
      <PageHeader title="Alerts" kicker={team.name}>
        {manager && (
          <button type="button" className="button primary" onClick={() => setEditing('new')}>
            New receiver
          </button>
        )}
      </PageHeader>
      <p className="help">
        depc alerts when a node with an objective burns its error budget too fast, or when its latest day was under target, and again when
        it resolves. Alerts go to the team's receivers: Prometheus Alertmanagers and webhooks.
      </p>

      <Section title="Alerts" id="alerts">
        <Async {...alerts} what="Loading alerts">
          {(list) => (
            <ResourceTable
              rows={[...list].sort((a, b) => Number(b.firing) - Number(a.firing) || b.starts_at - a.starts_at)}
              rowKey={(a) => a.id}
              label="Alerts"
              columns={[
                { header: 'Alert', cell: (a) => alertName(a) },
                { header: 'State', cell: (a) => <span className={`status ${a.firing ? 'status-failed' : 'status-succeeded'}`}>{a.firing ? 'firing' : 'resolved'}</span> },
                { header: 'Severity', cell: (a) => a.labels.severity ?? '' },
                {
                  header: 'Node',
                  cell: (a) => (a.labels.label && a.labels.node ? <Link to={urls.node(team.name, a.labels.label, a.labels.node)}>{a.labels.label} {a.labels.node}</Link> : '—'),
                },
                { header: 'Objective', cell: (a) => a.labels.objective ?? '' },
                { header: 'Since', cell: (a) => <RunTime at={a.starts_at} tz={tz} /> },
                { header: 'Resolved', cell: (a) => <RunTime at={a.firing ? null : a.ends_at} tz={tz} /> },
                { header: 'Summary', cell: (a) => a.annotations.summary ?? '' },
              ]}
              empty="No alert has fired. Alerts are evaluated every minute for teams with a receiver."
            />
          )}
        </Async>
      </Section>

      {editing && (
        <ReceiverForm key={editing === 'new' ? 'new' : editing.name} receiver={editing === 'new' ? null : editing} done={() => { setEditing(null); receivers.reload(); alerts.reload(); deliveries.reload() }} cancel={() => setEditing(null)} />
      )}
      <Section title="Receivers" id="receivers">
        {!manager ? (
          <p className="help">Only the team's managers see and change its receivers: a webhook's URL may hold a token.</p>
        ) : (
          <Async {...receivers} what="Loading receivers">
            {(list) => (
              <ResourceTable
                rows={list}
                rowKey={(r) => r.name}
                label="Receivers"
                columns={[
                  { header: 'Name', cell: (r) => r.name },
                  { header: 'Type', cell: (r) => (r.type === 'alertmanager' ? 'Alertmanager' : 'Webhook') },
                  { header: 'URL', cell: (r) => <code className="wrap">{r.url}</code> },
                  { header: 'Secret', cell: (r) => (r.secret ? <code>{r.secret}</code> : <span className="muted">—</span>) },
                ]}
                actions={(r) => <RowActions onEdit={() => setEditing(r)} path={`${base}/receivers/${seg(r.name)}`} what={r.name} onDeleted={receivers.reload} />}
                empty="No receiver yet: alerts are not evaluated until the team has one."
              />
            )}
          </Async>
        )}
      </Section>

      <Section title="Recent deliveries" id="deliveries">
        <Async {...deliveries} what="Loading deliveries">
          {(list) => (
            <ResourceTable
              rows={list}
              rowKey={(d) => String(d.id)}
              label="Recent deliveries"
              columns={[
                { header: 'Delivery', cell: (d) => `#${d.id}` },
                { header: 'Created', cell: (d) => <RunTime at={d.created_at} tz={tz} /> },
                { header: 'Receiver', cell: (d) => d.receiver },
                { header: 'Alert', cell: (d) => `${alertName(d.alert)} · ${d.alert.labels.node ?? d.alert.id}` },
                { header: 'Sends', cell: (d) => (d.slot > 0 ? 'refresh' : d.alert.firing ? 'firing' : 'resolved') },
                { header: 'Status', cell: (d) => <span className={`status ${DELIVERY_STATUS[d.status]}`} data-status={d.status}>{d.status}</span> },
                { header: 'Attempts', cell: (d) => d.attempts, className: 'num' },
                {
                  header: 'When',
                  cell: (d) =>
                    d.status === 'delivered' ? <RunTime at={d.delivered_at} tz={tz} /> : d.status === 'pending' ? <>next <RunTime at={d.next_attempt_at} tz={tz} /></> : <span className="muted">—</span>,
                },
                { header: 'Last error', cell: (d) => d.last_error || <span className="muted">—</span> },
              ]}
              empty="Nothing sent yet."
            />
          )}
        </Async>
      </Section>
    </>
  )
}

function ReceiverForm({ receiver, done, cancel }: { receiver: AlertReceiver | null; done: () => void; cancel: () => void }) {
  const { team } = useTeam()
  const [name, setName] = useState(receiver?.name ?? '')
  const [type, setType] = useState<AlertReceiver['type']>(receiver?.type ?? 'webhook')
  const [url, setUrl] = useState(receiver?.url ?? '')
  const [secret, setSecret] = useState(receiver?.secret ?? '')
  const path = `${teamPath(team.name)}/alerts/receivers/${seg(receiver?.name ?? name)}`
  return (
    <EditForm<AlertReceiver>
      title={receiver ? `Edit receiver ${receiver.name}` : 'New receiver'}
      path={path}
      method="PUT"
      submitText={receiver ? 'Save' : 'Create'}
      body={() => {
        if (!name) throw new Error('name: required')
        return type === 'webhook' ? { type, url, secret } : { type, url }
      }}
      onDone={done}
      onCancel={cancel}
    >
      <div className="fields">
        <label>
          Name <input value={name} onChange={(e) => setName(e.target.value)} required disabled={Boolean(receiver)} />
        </label>
        <Field label="Type">
          {(id) => (
            <select id={id} value={type} onChange={(e) => setType(e.target.value as AlertReceiver['type'])}>
              <option value="webhook">Webhook</option>
              <option value="alertmanager">Alertmanager</option>
            </select>
          )}
        </Field>
      </div>
      <label className="block">
        URL <input value={url} onChange={(e) => setUrl(e.target.value)} required placeholder={type === 'webhook' ? 'https://hooks.example.com/depc' : 'http://alertmanager:9093'} />
      </label>
      {type === 'webhook' ? (
        <>
          <label className="block">
            Secret <input type="password" value={secret} onChange={(e) => setSecret(e.target.value)} autoComplete="new-password" minLength={16} />
          </label>
          <p className="help">
            Each body is signed: <code>X-Depc-Signature: t=&lt;unix seconds&gt;,v1=&lt;hex&gt;</code>, the HMAC-SHA256 of <code>t.body</code> keyed with
            this secret (16 to 256 bytes). The receiver should refuse a wrong signature or an old timestamp.
            {receiver?.secret === MASK && <> The stored secret shows as <code>{MASK}</code>; leaving it keeps it while the URL is unchanged.</>}
          </p>
        </>
      ) : (
        <p className="help">
          Alerts are posted to its v2 API (<code>/api/v2/alerts</code> under this URL), firing ones again every hour.
        </p>
      )}
    </EditForm>
  )
}
