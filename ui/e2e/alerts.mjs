// The alerts of the mock API (docs/alerts.md): receivers, alerts and
// deliveries, with the answers' shapes of api/openapi.json.
//
// The mock does not evaluate objectives: a team has one alert, the day
// under target of foo.com, firing from the moment it has a receiver. Each
// receiver gets it once: a webhook as depc sends it (JSON signed with
// HMAC-SHA256 in X-Depc-Signature), an Alertmanager is only recorded as
// delivered.

import { createHmac } from 'node:crypto'

const MASK = '********'

class AlertsError extends Error {
  constructor(status, code, message) {
    super(message)
    this.status = status
    this.code = code
  }
}
const bad = (m) => new AlertsError(400, 'invalid', m)

function stateOf(team) {
  team.alerting ??= { receivers: new Map(), alerts: [], deliveries: [], nextDelivery: 1 }
  return team.alerting
}

function masked(r) {
  return r.secret ? { ...r, secret: MASK } : { ...r }
}

function validReceiver(name, b, stored) {
  if (!['alertmanager', 'webhook'].includes(b.type)) throw bad(`type: must be alertmanager or webhook, not ${JSON.stringify(b.type)}`)
  let u
  try {
    u = new URL(b.url)
  } catch {
    throw bad('url: not a URL')
  }
  if (!['http:', 'https:'].includes(u.protocol)) throw bad('url: must be http or https')
  if (u.hostname === '169.254.169.254') throw bad('url: 169.254.169.254 is a link-local address, refused (sources.allow may permit it)')
  let secret = b.secret ?? ''
  if (secret === MASK) {
    if (!stored) throw bad(`secret: "${MASK}" is the mask shown in place of a secret; send the secret itself (no receiver "${name}" to keep it from)`)
    if (stored.type !== b.type || stored.url !== b.url) throw bad('secret: the mask keeps the stored secret only while type and url are unchanged; send the secret for the new url')
    secret = stored.secret
  }
  if (b.type === 'alertmanager' && secret) throw bad('secret: an alertmanager receiver has none')
  if (b.type === 'webhook' && (secret.length < 16 || secret.length > 256)) throw bad('secret: a webhook needs a secret of 16 to 256 bytes to sign its bodies')
  return { name, type: b.type, url: b.url, ...(secret ? { secret } : {}) }
}

/** The alert the mock fires for a team with a receiver. */
function fooAlert(now) {
  return {
    id: 'DepcDayUnderTarget/warning/99.9% calendar_month/Website/foo.com',
    seq: 1,
    firing: true,
    starts_at: Math.floor(now),
    ends_at: 0,
    labels: { alertname: 'DepcDayUnderTarget', team: 'acme', label: 'Website', node: 'foo.com', objective: '99.9% calendar_month', severity: 'warning' },
    annotations: { summary: 'Website foo.com was under the target of its objective (99.9% calendar_month)' },
  }
}

/** Queues and sends what is due: the firing alerts to receivers that did not get them. */
function dispatch(team, now) {
  const st = stateOf(team)
  if (st.receivers.size === 0) return
  if (st.alerts.length === 0) st.alerts.push(fooAlert(now))
  for (const a of st.alerts) {
    for (const r of st.receivers.values()) {
      if (st.deliveries.some((d) => d.receiver === r.name && d.alert.id === a.id && d.alert.seq === a.seq)) continue
      const d = {
        id: st.nextDelivery++, team: team.name, receiver: r.name, alert: structuredClone(a), slot: 0, status: 'pending',
        attempts: 0, last_error: '', created_at: Math.floor(now), next_attempt_at: Math.floor(now), delivered_at: 0,
      }
      st.deliveries.push(d)
      send(r, d, now)
    }
  }
}

async function send(r, d, now) {
  const finish = (err) => {
    d.attempts++
    if (err) Object.assign(d, { status: 'failed', last_error: err })
    else Object.assign(d, { status: 'delivered', delivered_at: Math.floor(Date.now() / 1000) })
  }
  if (r.type === 'alertmanager') return finish('')
  const a = d.alert
  const body = JSON.stringify({
    version: '1', delivery: d.id, team: d.team, receiver: r.name, status: a.firing ? 'firing' : 'resolved',
    alert: { id: a.id, seq: a.seq, labels: a.labels, annotations: a.annotations, starts_at: new Date(a.starts_at * 1000).toISOString(), ends_at: null },
    sent_at: new Date(now * 1000).toISOString(),
  })
  const t = String(Math.floor(Date.now() / 1000))
  const sig = createHmac('sha256', r.secret).update(`${t}.${body}`).digest('hex')
  try {
    const res = await fetch(r.url, { method: 'POST', body, headers: { 'Content-Type': 'application/json', 'X-Depc-Signature': `t=${t},v1=${sig}`, 'X-Depc-Delivery': String(d.id) } })
    finish(res.ok ? '' : `HTTP ${res.status}`)
  } catch (e) {
    finish(`request failed: ${e.message}`)
  }
}

/**
 * Answers /teams/{team}/alerts…: rest is the path after the team, split;
 * manager() refuses callers who are not the team's managers.
 */
export function handleAlerts(team, method, rest, q, rawBody, manager, now) {
  const st = stateOf(team)
  dispatch(team, now)
  const path = rest.join('/')
  if (path === 'alerts' && method === 'GET') {
    const firing = q.get('firing')
    if (firing !== null && firing !== 'true' && firing !== 'false') throw bad(`firing: must be true or false, not ${JSON.stringify(firing)}`)
    return { body: st.alerts.filter((a) => firing === null || a.firing === (firing === 'true')) }
  }
  if (path === 'alerts/deliveries' && method === 'GET') {
    const limit = Number(q.get('limit') ?? 100)
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw bad('limit: must be an integer from 1 to 1000')
    return { body: [...st.deliveries].reverse().slice(0, limit) }
  }
  if (path === 'alerts/receivers' && method === 'GET') {
    manager()
    return { body: [...st.receivers.values()].sort((a, b) => (a.name < b.name ? -1 : 1)).map(masked) }
  }
  if (rest[1] === 'receivers' && rest.length === 3) {
    manager()
    const name = rest[2]
    const stored = st.receivers.get(name)
    if (method === 'GET') {
      if (!stored) throw new AlertsError(404, 'not_found', `alert receiver "${name}" not found`)
      return { body: masked(stored) }
    }
    if (method === 'PUT') {
      let b
      try {
        b = JSON.parse(rawBody)
      } catch (e) {
        throw bad(`body: malformed JSON (${e.message})`)
      }
      const r = validReceiver(name, b, stored)
      st.receivers.set(name, r)
      dispatch(team, now)
      return { body: masked(r) }
    }
    if (method === 'DELETE') {
      if (!stored) throw new AlertsError(404, 'not_found', `alert receiver "${name}" not found`)
      st.receivers.delete(name)
      for (const d of st.deliveries) if (d.receiver === name && d.status === 'pending') Object.assign(d, { status: 'superseded', last_error: 'receiver deleted' })
      return { status: 204 }
    }
  }
  return null
}
