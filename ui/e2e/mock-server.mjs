// A mock of depc's REST API (spec/api.md) plus the built UI, for developing
// the UI and running its end-to-end tests without the Go server:
//
//   node e2e/mock-server.mjs [--port 8765] [--dist dist]
//
// Tokens: demo-token (admin: teams acme and beta), viewer-token (acme only).
// Answers have exactly the shapes of api.md; `points` in rule executions is
// the additive field the UI proposes (datapoints per check).

import { createServer } from 'node:http'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { extname, join, normalize, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  addDays, annotationProblem, computeDay, createWorld, currentConfig, dayOf, dayResult, dayWindow, getNode, impacted, incident,
  incidentMarkdown, isDay, labelAverage, labelsOf, listAnnotations, listNodes, relatives, rootCause, ruleTimeline, saveConfig,
  validateConfig, worst, teamBudgets, budgetOf, monthReport, csvLines,
  newTeam, renderQuery, rulesOf,
} from './model.mjs'
import { handleAlerts } from './alerts.mjs'

const DAY = 86400

class HttpError extends Error {
  constructor(status, code, message) {
    super(message)
    this.status = status
    this.code = code
  }
}
const bad = (m) => new HttpError(400, 'invalid', m)
const notFound = (m) => new HttpError(404, 'not_found', m)

// The source plugins the mock knows, in the shape of GET /plugins: it answers
// them and validates sources and checks from them, as depc does from its
// plugin list. A fixture (the two plugins depc had when it was written), not
// a copy the server's list must follow.
export const PLUGINS = JSON.parse(readFileSync(new URL('./plugins.json', import.meta.url), 'utf8'))

const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.json': 'application/json', '.png': 'image/png' }

export function startMock({ port = 0, dist = resolve(fileURLToPath(new URL('..', import.meta.url)), 'dist'), host = '127.0.0.1' } = {}) {
  const world = createWorld()
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x')
    try {
      if (url.pathname.startsWith('/api/v1/')) {
        const body = await readBody(req)
        // A source's connection test reaches its server: that answer comes later.
        const out = await handle(world, req.method, url, req.headers.authorization, body, req.headers['x-remote-user'])
        if (out.status === 204) {
          res.writeHead(204)
          return res.end()
        }
        if (out.text !== undefined) {
          res.writeHead(out.status ?? 200, { 'Content-Type': out.type, ...(out.disposition ? { 'Content-Disposition': out.disposition } : {}) })
          return res.end(out.text)
        }
        res.writeHead(out.status ?? 200, { 'Content-Type': 'application/json' })
        return res.end(JSON.stringify(out.body))
      }
      if (url.pathname === '/healthz') return res.end('ok')
      serveStatic(dist, url.pathname, res)
    } catch (e) {
      const status = e.status ?? 500
      if (status === 500) console.error(e)
      res.writeHead(status, { 'Content-Type': 'application/json' })
      res.end(JSON.stringify({ error: { code: e.code ?? 'internal', message: e.message } }))
    }
  })
  return new Promise((ok) => server.listen(port, host, () => ok({ server, world, url: `http://${host}:${server.address().port}` })))
}

function readBody(req) {
  return new Promise((ok, fail) => {
    const chunks = []
    let size = 0
    req.on('data', (c) => {
      size += c.length
      if (size > 1 << 20) fail(new HttpError(413, 'too_large', 'body: over 1 MiB'))
      chunks.push(c)
    })
    req.on('end', () => ok(Buffer.concat(chunks).toString('utf8')))
    req.on('error', fail)
  })
}

function serveStatic(dist, path, res) {
  const index = existsSync(join(dist, 'app.html')) ? 'app.html' : 'index.html'
  let file = normalize(join(dist, decodeURIComponent(path)))
  if (!file.startsWith(dist)) file = join(dist, index)
  if (!existsSync(file) || statSync(file).isDirectory()) {
    if (path.startsWith('/assets/')) {
      res.writeHead(404, { 'Content-Type': 'text/plain' })
      return res.end('not found')
    }
    file = join(dist, index)
  }
  const headers = { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' }
  // The same policy as ui.go, so that e2e tests catch a violation (a console error).
  if (file.endsWith('.html')) headers['Content-Security-Policy'] = CSP
  res.writeHead(200, headers)
  res.end(readFileSync(file))
}

function json(text) {
  if (!text) throw bad('body: empty, expected JSON')
  try {
    return JSON.parse(text)
  } catch (e) {
    throw bad(`body: malformed JSON (${e.message})`)
  }
}

function handle(world, method, url, auth, rawBody, remoteUser) {
  accessWorld(world)
  const token = /^Bearer (.+)$/.exec(auth ?? '')?.[1]
  let user = token && world.tokens.get(token)
  // Proxy authentication (api.proxy_auth): the mock trusts every peer, as
  // depc trusts the proxies' addresses; a token comes first.
  if (!token && remoteUser) {
    const u = world.users.get(remoteUser)
    if (!u) throw new HttpError(401, 'unauthorized', `user ${JSON.stringify(remoteUser)} (named by the proxy's X-Remote-User header) is not a depc user`)
    user = { user: u.name, admin: u.admin, teams: u.admin ? null : [] }
  }
  if (!user) throw new HttpError(401, 'unauthorized', token ? 'unknown token' : 'missing Authorization: Bearer <token>')
  const segs = url.pathname.slice('/api/v1/'.length).split('/').map(decodeURIComponent)
  const q = url.searchParams
  const may = (t) => user.admin || user.teams.includes(t) || Boolean(world.grants?.get(t)?.has(user.user))

  if (segs[0] === 'plugins' && segs.length === 1 && method === 'GET') return { body: PLUGINS }
  if (segs[0] === 'teams' && segs.length === 1 && method === 'GET') {
    return { body: [...world.teams.values()].filter((t) => may(t.name)).map((t) => ({ name: t.name, timezone: t.timezone })) }
  }
  if (segs[0] === 'teams' && segs.length === 1 && method === 'POST') {
    if (!user.admin) throw new HttpError(403, 'forbidden', 'this needs an admin token')
    const b = json(rawBody)
    if (typeof b.name !== 'string' || !/^[a-z0-9][a-z0-9_-]{0,62}$/.test(b.name)) throw bad(`name: ${JSON.stringify(b.name)} is not a team name (^[a-z0-9][a-z0-9_-]{0,62}$)`)
    if (world.teams.has(b.name)) throw new HttpError(409, 'conflict', `team ${b.name} already exists`)
    const t = newTeam(b.name, b.timezone || 'UTC')
    world.teams.set(b.name, t)
    audit(world, user, '', 'POST /teams', '/teams', 201, null, { name: t.name, timezone: t.timezone })
    return { status: 201, body: { name: t.name, timezone: t.timezone } }
  }
  const access = accessRoute(world, user, method, segs, q, rawBody)
  if (access) return access
  if (segs[0] !== 'teams' || !segs[1]) throw notFound(`no route ${method} ${url.pathname}`)
  const team = world.teams.get(segs[1])
  if (!team) throw notFound(`team ${JSON.stringify(segs[1])} not found`)
  if (!may(team.name)) throw new HttpError(403, 'forbidden', `user ${user.user} may not read team ${team.name}`)
  const write = () => {
    if (!user.admin) throw new HttpError(403, 'forbidden', `user ${user.user} is a viewer of team ${team.name}`)
  }
  const rest = segs.slice(2)
  const tz = team.timezone
  const path = rest.join('/')
  const day = (name = 'day') => {
    const d = q.get(name)
    if (d === null) return dayOf(world.now(), tz)
    if (!isDay(d)) throw bad(`${name}: must be a day YYYY-MM-DD, got ${JSON.stringify(d)}`)
    return d
  }
  const range = () => {
    const s = q.get('start')
    const e = q.get('end')
    if (!isDay(s)) throw bad(`start: must be a day YYYY-MM-DD`)
    if (!isDay(e)) throw bad(`end: must be a day YYYY-MM-DD`)
    if (e < s) throw bad('end: before start')
    const days = []
    for (let d = s; d <= e && days.length < 400; d = addDays(d, 1)) days.push(d)
    return days
  }
  // A window [from, to) of RFC 3339 instants; the mock computes days, so within one day.
  const win = () => {
    const f = q.get('from')
    const t = q.get('to')
    if (f === null && t === null) return null
    const from = Date.parse(f ?? '') / 1000
    const to = Date.parse(t ?? '') / 1000
    if (!Number.isInteger(from)) throw bad(`from: ${JSON.stringify(f)} is not an RFC 3339 instant such as 2026-12-01T23:40:00Z`)
    if (!Number.isInteger(to)) throw bad(`to: ${JSON.stringify(t)} is not an RFC 3339 instant`)
    if (to <= from) throw bad('to: not after from')
    if (dayOf(from, tz) !== dayOf(to - 1, tz)) throw bad('to: the mock API explains windows within one day of the team')
    return { start: from, end: to }
  }
  const limit = (def) => {
    const l = q.get('limit')
    if (l === null) return def
    const n = Number(l)
    if (!Number.isInteger(n) || n < 1 || n > 10000) throw bad('limit: must be an integer from 1 to 10000')
    return n
  }

  if (rest.length === 0 && method === 'GET') return { body: { name: team.name, timezone: tz } }
  // Renaming and deleting a team (admins): every part of the mock's world
  // follows the team.
  if ((rest.length === 0 && method === 'DELETE') || (path === 'rename' && method === 'POST')) {
    if (!user.admin) throw new HttpError(403, 'forbidden', 'this needs an admin token')
    const pathname = url.pathname.slice('/api/v1'.length)
    if (method === 'DELETE') {
      audit(world, user, team.name, 'DELETE /teams/{team}', pathname, 204, { name: team.name, timezone: tz }, null)
      world.teams.delete(team.name)
      world.grants?.delete(team.name)
      world.limits?.delete(team.name)
      return { status: 204 }
    }
    const { name } = json(rawBody)
    if (typeof name !== 'string' || !/^[a-z0-9][a-z0-9_-]{0,62}$/.test(name)) throw bad(`name: ${JSON.stringify(name)} is not a team name (^[a-z0-9][a-z0-9_-]{0,62}$)`)
    if (name !== team.name && world.teams.has(name)) throw new HttpError(409, 'conflict', `name: team ${name} already exists`)
    const old = team.name
    world.teams.delete(old)
    team.name = name
    world.teams.set(name, team)
    for (const m of [world.grants, world.limits]) {
      if (m?.has(old)) {
        m.set(name, m.get(old))
        m.delete(old)
      }
    }
    for (const tk of world.tokens.values()) if (tk.teams?.includes(old)) tk.teams = tk.teams.map((t) => (t === old ? name : t))
    audit(world, user, name, 'POST /teams/{team}/rename', pathname, 200, null, { name, timezone: tz })
    return { body: { name, timezone: tz } }
  }
  if (path === 'grants' || path === 'audit' || (rest[0] === 'grants' && rest.length === 2)) {
    if (!user.admin && !(world.grants.get(team.name)?.get(user.user) === 'manager')) throw new HttpError(403, 'forbidden', `user ${user.user} is not a manager of team ${team.name}`)
    const grants = world.grants.get(team.name) ?? new Map()
    world.grants.set(team.name, grants)
    if (path === 'grants' && method === 'GET') return { body: [...grants].map(([u, role]) => ({ user: u, role })) }
    if (path === 'audit' && method === 'GET') return { body: auditPage(world, q, team.name) }
    const who = rest[1]
    if (rest[0] === 'grants' && method === 'PUT') {
      const { role } = json(rawBody)
      if (!['viewer', 'editor', 'manager'].includes(role)) throw bad('role: must be viewer, editor or manager')
      if (!world.users.has(who)) throw notFound(`user ${JSON.stringify(who)} not found`)
      const before = grants.has(who) ? { user: who, role: grants.get(who) } : null
      grants.set(who, role)
      audit(world, user, team.name, 'PUT /teams/{team}/grants/{user}', url.pathname.slice('/api/v1'.length), 200, before, { user: who, role })
      return { body: { user: who, role } }
    }
    if (rest[0] === 'grants' && method === 'DELETE') {
      if (!grants.has(who)) throw notFound(`user ${JSON.stringify(who)} has no grant on team ${team.name}`)
      audit(world, user, team.name, 'DELETE /teams/{team}/grants/{user}', url.pathname.slice('/api/v1'.length), 204, { user: who, role: grants.get(who) }, null)
      grants.delete(who)
      return { status: 204 }
    }
  }
  if (path === 'limits' && method === 'GET') return { body: limitsOf(world, team.name) }
  if (path === 'limits' && method === 'PUT') {
    if (!user.admin) throw new HttpError(403, 'forbidden', `user ${user.user} is not an admin`)
    const b = json(rawBody)
    for (const k of LIMIT_KEYS) if (b[k] !== undefined && (!Number.isInteger(b[k]) || b[k] < 0)) throw bad(`limits: ${k} must not be negative`)
    if (b.own_sources !== undefined && !['allow', 'deny'].includes(b.own_sources)) throw bad(`limits: own_sources must be "allow" or "deny", not ${JSON.stringify(b.own_sources)}`)
    const before = limitsOf(world, team.name)
    world.limits.set(team.name, Object.fromEntries(Object.entries(b).filter(([k, v]) => (LIMIT_KEYS.includes(k) && v > 0) || (k === 'own_sources' && v))))
    const after = limitsOf(world, team.name)
    audit(world, user, team.name, 'PUT /teams/{team}/limits', url.pathname.slice('/api/v1'.length), 200, before, after)
    return { body: after }
  }
  if (path === 'shared-sources' && method === 'GET') {
    const out = []
    for (const s of team.sources.values()) {
      if (s.plugin !== 'Shared') continue
      const e = world.shared?.get(s.configuration.source)
      if (e) out.push({ name: s.name, plugin: e.plugin, query_language: PLUGINS.find((p) => p.name === e.plugin)?.query_language ?? '', description: e.description, enforce: enforcedFor(e, team.name, s.configuration) })
    }
    return { body: out }
  }
  if (rest[0] === 'sources' && rest.length === 1 && method === 'POST' && !user.admin && world.limits?.get(team.name)?.own_sources === 'deny') {
    throw new HttpError(403, 'forbidden', `team ${team.name} may only use the shared sources the admin granted it (limits: own_sources is "deny")`)
  }
  if (rest[0] === 'sources' && rest.length === 2 && (method === 'PUT' || method === 'DELETE') && team.sources.get(rest[1])?.plugin === 'Shared' && !user.admin) {
    throw new HttpError(403, 'forbidden', 'a source of plugin Shared is a grant of the admin\'s shared catalog: only an admin grants, changes or revokes it')
  }
  if (path === 'labels' && method === 'GET') return { body: labelsOf(team) }
  if (path === 'messages/rejected' && method === 'GET') return { body: team.rejected.slice(0, limit(100)) }
  if (path === 'qos' && method === 'GET') {
    const days = range()
    const cfg = currentConfig(team)?.config ?? {}
    const labels = {}
    for (const l of Object.keys(cfg).sort()) {
      labels[l] = days.map((d) => ({ day: d, ...labelAverage(team, l, d) })).filter((x) => x.qos !== undefined).map(({ day: d, qos }) => ({ day: d, qos }))
    }
    return { body: { labels } }
  }
  // The original DepC's statistics (docs/grafana.md), from the same label
  // days as /qos and the CSV exports: a label's nodes with a QoS are those
  // its last computed day of the range averaged.
  if (path === 'statistics' && method === 'GET') {
    const days = range()
    const cfg = currentConfig(team)?.config ?? {}
    const perDay = new Map()
    const labels = labelsOf(team).filter((l) => l.nodes > 0).map((l) => {
      let last = null
      for (const d of days) {
        const a = cfg[l.name] ? labelAverage(team, l.name, d) : undefined
        if (!a) continue
        last = { day: d, nodes: a.nodes }
        perDay.set(d, (perDay.get(d) ?? 0) + a.nodes)
      }
      const withQos = last ? Math.min(last.nodes, l.nodes) : 0
      return { label: l.name, nodes: l.nodes, with_qos: withQos, without_qos: l.nodes - withQos, day: last?.day ?? null }
    })
    const from = dayWindow(days[0], tz).start
    const to = dayWindow(days[days.length - 1], tz).end
    const runs = team.runs
      .map((r) => progress(world, r))
      .filter((r) => r.created_at >= from && r.created_at < to)
      .map((r) => ({ id: r.id, status: r.status, created_at: r.created_at, duration: r.started_at !== null && r.finished_at !== null ? r.finished_at - r.started_at : null, days: r.days.length, nodes: r.nodes ?? 0 }))
    return { body: { start: days[0], end: days[days.length - 1], labels, days: [...perDay].sort(([a], [b]) => a.localeCompare(b)).map(([day, nodes]) => ({ day, nodes })), runs } }
  }

  // Objectives, budgets and maintenance windows (docs/objectives.md).
  const objective = (label, name) => {
    const okey = `${label}\u0000${name}`
    if (method === 'GET') {
      const o = team.objectives.get(okey)
      if (!o) throw notFound(name ? `node ${label}/${name} has no objective of its own` : `label ${JSON.stringify(label)} has no objective`)
      return { body: o }
    }
    write()
    if (method === 'DELETE') {
      if (!team.objectives.delete(okey)) throw notFound(`no objective for ${label} ${name}`)
      return { status: 204 }
    }
    const b = json(rawBody)
    if (typeof b.target !== 'number') throw bad('target: required (a percentage, e.g. 99.9)')
    if (!(b.target > 0 && b.target < 100)) throw bad(`target: must be a percentage greater than 0 and less than 100, not ${b.target}`)
    if (!['rolling_7d', 'rolling_28d', 'rolling_30d', 'calendar_month'].includes(b.window)) throw bad(`window: must be one of rolling_7d, rolling_28d, rolling_30d, calendar_month, not ${JSON.stringify(b.window)}`)
    const o = { label, name, target: b.target, window: b.window }
    team.objectives.set(okey, o)
    return { body: o }
  }
  if (path === 'objectives' && method === 'GET') {
    return { body: [...team.objectives.values()].sort((a, b) => a.label.localeCompare(b.label) || a.name.localeCompare(b.name)) }
  }
  if (path === 'budgets' && method === 'GET') {
    const out = teamBudgets(team, world.now())
    return { body: { ...out, worst: out.worst.slice(0, limit(15)) } }
  }
  const recompute = (...ms) => {
    const todayStart = dayWindow(dayOf(world.now(), tz), tz).start
    const days = new Set()
    for (const m of ms) {
      for (let d = dayOf(m.from, tz); d <= team.lastDay && dayWindow(d, tz).start < Math.min(m.to, todayStart); d = addDays(d, 1)) {
        if (d >= team.firstDay) days.add(d)
      }
    }
    if (days.size === 0) return []
    const run = { id: team.runs.length + 1, days: [...days].sort(), status: 'queued', created: world.now(), created_at: Math.floor(world.now()), started_at: null, finished_at: null, nodes: null, errors: [], progress: 0 }
    team.runs.push(run)
    return [progress(world, run)]
  }
  const maintenanceBody = () => {
    const b = json(rawBody)
    if (!Number.isInteger(b.from) || !Number.isInteger(b.to)) throw bad('from and to: both are required (Unix seconds, [from, to))')
    if (b.to <= b.from) throw bad(`to: must be after from (${b.from}), not ${b.to}`)
    if (b.name && !b.label) throw bad('label: required with a name (a window is on a node, a label or the whole team)')
    if (typeof b.reason !== 'string' || !b.reason.trim()) throw bad('reason: required, 1 to 500 bytes of text without control characters')
    return { label: b.label ?? '', name: b.name ?? '', from: b.from, to: b.to, reason: b.reason }
  }
  if (path === 'maintenance' && method === 'GET') {
    const now = world.now()
    const from = q.get('from') === null ? now - 35 * DAY : Number(q.get('from'))
    const to = q.get('to') === null ? now + 366 * DAY : Number(q.get('to'))
    const l = q.get('label'), n = q.get('name')
    return {
      body: team.maintenance
        .filter((m) => m.from < to && m.to > from)
        .filter((m) => !l || !m.label || (m.label === l && (!n || !m.name || m.name === n)))
        .sort((a, b) => a.from - b.from || a.id - b.id),
    }
  }
  if (path === 'maintenance' && method === 'POST') {
    write()
    const m = { id: ++team.maintenanceSeq, ...maintenanceBody(), created_at: Math.floor(world.now()) }
    team.maintenance.push(m)
    return { status: 201, body: { ...m, runs: recompute(m) } }
  }
  if (rest[0] === 'maintenance' && rest.length === 2) {
    const i = team.maintenance.findIndex((m) => String(m.id) === rest[1])
    if (i < 0) throw notFound(`maintenance window ${rest[1]} not found`)
    const old = team.maintenance[i]
    if (method === 'GET') return { body: old }
    write()
    if (method === 'DELETE') {
      team.maintenance.splice(i, 1)
      return { body: { ...old, runs: recompute(old) } }
    }
    if (method === 'PUT') {
      const m = { ...old, ...maintenanceBody() }
      team.maintenance[i] = m
      return { body: { ...m, runs: recompute(old, m) } }
    }
  }

  // CSV exports and the monthly report (docs/overview.md, docs/report.md).
  const exportDays = (max) => {
    const f = q.get('from')
    const t = q.get('to')
    if (!f) throw bad('from: required (a day YYYY-MM-DD, the first of the export)')
    if (!t) throw bad('to: required (a day YYYY-MM-DD, the last of the export)')
    if (!isDay(f)) throw bad(`from: ${JSON.stringify(f)} is not a day YYYY-MM-DD`)
    if (!isDay(t)) throw bad(`to: ${JSON.stringify(t)} is not a day YYYY-MM-DD`)
    if (t < f) throw bad(`to: ${t} is before from ${f}`)
    const days = []
    for (let d = f; d <= t; d = addDays(d, 1)) {
      if (days.length === max) throw bad(`from..to: at most ${max} days at once`)
      days.push(d)
    }
    return days
  }
  const csv = (file, rows) => ({ type: 'text/csv; charset=utf-8', disposition: `attachment; filename="${file}"`, text: csvLines(rows) })
  if (path === 'export/labels.csv' && method === 'GET') {
    const days = exportDays(400)
    const only = q.get('label')
    if (only !== null && !/^[A-Z]+[a-zA-Z0-9]*$/.test(only)) throw bad(`label: ${JSON.stringify(only)} must match ^[A-Z]+[a-zA-Z0-9]*$`)
    const labels = only ? [only] : Object.keys(currentConfig(team)?.config ?? {}).sort()
    const rows = [['label', 'day', 'qos', 'nodes']]
    for (const l of labels) for (const d of days) {
      const a = labelAverage(team, l, d)
      if (a) rows.push([l, d, a.qos ?? '', a.nodes])
    }
    return csv(`qos-labels-${days[0]}-${days[days.length - 1]}.csv`, rows)
  }
  if (path === 'export/nodes.csv' && method === 'GET') {
    const label = q.get('label')
    if (!label) throw bad('label: required (the label whose nodes to export)')
    if (!/^[A-Z]+[a-zA-Z0-9]*$/.test(label)) throw bad(`label: ${JSON.stringify(label)} must match ^[A-Z]+[a-zA-Z0-9]*$`)
    const days = exportDays(31)
    const rows = [['label', 'name', 'day', 'qos', 'ok', 'ko', 'unknown']]
    const names = listNodes(team, label, '', null, 1000).nodes.map((n) => n.name)
    for (const d of days) for (const name of names) {
      const r = dayResult(team, `${label}/${name}`, d)
      if (r) rows.push([label, name, d, r.qos ?? '', r.ok ?? '', r.ko ?? '', r.unknown ?? ''])
    }
    return csv(`qos-${label}-${days[0]}-${days[days.length - 1]}.csv`, rows)
  }
  if ((path === 'report' || path === 'report.csv') && method === 'GET') {
    const month = q.get('month') ?? addDays(dayOf(world.now(), tz), -1).slice(0, 7)
    if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(month) || month < '1970-01') throw bad(`month: ${JSON.stringify(month)} is not a month YYYY-MM (from 1970)`)
    if (`${month}-01` > dayOf(world.now(), tz)) throw bad(`month: ${month} has not started yet in team ${team.name}'s time zone (${tz})`)
    const rep = monthReport(team, month, world.now())
    if (path === 'report') return { body: rep }
    const rows = [['month', 'label', 'name', 'target', 'objective_window', 'qos', 'met', 'allowed_seconds', 'spent_seconds', 'remaining_seconds', 'pending_seconds']]
    for (const n of rep.nodes) {
      rows.push([month, n.label, n.name, n.objective.target, n.objective.window, n.qos ?? '', n.met === null ? 'unknown' : n.met ? 'met' : 'missed',
        Math.floor(n.allowed), n.spent, Math.floor(n.remaining), n.pending])
    }
    return csv(`report-${team.name}-${month}.csv`, rows)
  }

  // Labels and nodes.
  if (rest[0] === 'labels' && rest[1]) {
    const label = rest[1]
    if (rest.length === 3 && rest[2] === 'objective') return objective(label, '')
    if (rest.length === 3 && rest[2] === 'budget' && method === 'GET') {
      const out = teamBudgets(team, world.now(), label)
      if (out.labels.length === 0) throw notFound(`label ${label} has no objective, nor has any of its nodes`)
      return { body: { ...out.labels[0], today: out.today, live: false, burn_at: out.burn_at, worst: out.worst.slice(0, limit(15)), errors: [] } }
    }
    if (rest.length === 3 && rest[2] === 'nodes' && method === 'GET') return { body: listNodes(team, label, q.get('q') ?? '', q.get('after'), limit(100)) }
    if (rest.length === 3 && rest[2] === 'qos' && method === 'GET') {
      return { body: range().map((d) => ({ day: d, ...labelAverage(team, label, d) })).filter((x) => x.qos !== undefined) }
    }
    if (rest.length === 3 && rest[2] === 'worst' && method === 'GET') return { body: worst(team, label, day(), limit(15)) }
    if (rest[2] === 'nodes' && rest[3]) {
      const name = rest[3]
      const node = getNode(team, label, name)
      if (!node) throw notFound(`node ${label} ${JSON.stringify(name)} not found`)
      const key = `${label}/${name}`
      const sub = rest.slice(4).join('/')
      if (sub === '' && method === 'GET') return { body: node }
      if (sub === '' && method === 'DELETE') {
        write()
        team.nodes.delete(key)
        team.relations = team.relations.filter((r) => r.from !== key && r.to !== key)
        team.cache.clear()
        return { status: 204 }
      }
      if ((sub === 'dependencies' || sub === 'dependents') && method === 'GET') {
        const at = q.get('at')
        const w = q.get('day') ? dayWindow(day(), tz) : at ? { start: Number(at), end: Number(at) + 1 } : { start: Math.floor(world.now()), end: Math.floor(world.now()) + 1 }
        if (at !== null && !Number.isInteger(Number(at))) throw bad('at: must be Unix seconds')
        const list = team.nodes.has(key) ? relatives(team, key, sub === 'dependencies' ? 'down' : 'up', w, q.get('inactive') === 'true') : []
        return { body: { node, [sub]: list } }
      }
      if (sub === 'dependencies/count' && method === 'GET') {
        if (q.get('day') !== null && q.get('at') !== null) throw bad('day and at: give one, not both')
        const at = q.get('at')
        if (at !== null && !Number.isInteger(Number(at))) throw bad('at: must be Unix seconds')
        const w = q.get('day') !== null ? dayWindow(day(), tz) : at !== null ? { start: Number(at), end: Number(at) + 1 } : { start: Math.floor(world.now()), end: Math.floor(world.now()) + 1 }
        return { body: { dependencies: relatives(team, key, 'down', w, false).length, dependents: relatives(team, key, 'up', w, false).length } }
      }
      if ((sub === 'impacted/count' || sub === 'impacted/csv') && method === 'GET') {
        const l = q.get('label')
        if (!l) throw bad('label: required (the label of the ancestors to count)')
        if (!/^[A-Z]+[a-zA-Z0-9]*$/.test(l)) throw bad(`label: ${JSON.stringify(l)} must match ^[A-Z]+[a-zA-Z0-9]*$`)
        const at = q.get('at') === null ? world.now() : Number(q.get('at'))
        if (!Number.isFinite(at)) throw bad('at: must be Unix seconds')
        const all = impacted(team, key, l, at)
        if (sub === 'impacted/count') return { body: { count: all.length } }
        return { type: 'text/csv; charset=utf-8', disposition: 'attachment; filename="impacted.csv"', text: csvLines([['label', 'name'], ...all.map((n) => [n.label, n.name])]) }
      }
      if (sub === 'impacted' && method === 'GET') {
        const l = q.get('label')
        if (!l) throw bad('label: required (the ancestor label)')
        const at = q.get('at') === null ? world.now() : Number(q.get('at'))
        if (!Number.isFinite(at)) throw bad('at: must be Unix seconds')
        const all = impacted(team, key, l, at)
        const after = q.get('after')
        const from = after ? all.filter((n) => n.name > after) : all
        const n = limit(100)
        return { body: { nodes: from.slice(0, n), next: from.length > n ? from[n - 1].name : null } }
      }
      if (sub === 'qos' && method === 'GET') {
        return { body: range().map((d) => ({ d, r: dayResult(team, key, d) })).filter((x) => x.r).map(({ d, r }) => ({ day: d, ...r })) }
      }
      if (sub === 'qos/live' && method === 'GET') {
        const today = dayOf(world.now(), tz)
        const r = computeDay(team, today, Math.floor(world.now() / 60) * 60).get(key) ?? { qos: null, ok: 0, ko: 0, unknown: 0, downtime: [] }
        return { body: { day: today, qos: r.qos, ok: r.ok, ko: r.ko, unknown: r.unknown, downtime: r.downtime } }
      }
      if (sub === 'rootcause' && method === 'GET') {
        const w = win()
        return { body: w ? rootCause(team, key, dayOf(w.start, tz), w) : rootCause(team, key, day()) }
      }
      if (sub === 'incident' && method === 'GET') {
        const w = win() ?? dayWindow(day(), tz)
        const format = q.get('format') ?? 'json'
        if (!['json', 'markdown'].includes(format)) throw bad(`format: must be json or markdown, not ${JSON.stringify(format)}`)
        const x = incident(team, key, dayOf(w.start, tz), w, world.now())
        return format === 'markdown' ? { type: 'text/markdown; charset=utf-8', text: incidentMarkdown(x) } : { body: x }
      }
      if (sub === 'objective') return objective(label, name)
      if (sub === 'budget' && method === 'GET') {
        const o = team.objectives.get(`${label}\u0000${name}`) ?? team.objectives.get(`${label}\u0000`)
        if (!o) throw notFound(`node ${key} has no objective, nor has label ${label}`)
        return { body: { ...budgetOf(team, key, o, world.now()), errors: [] } }
      }
    }
  }

  // Annotations: editors write (here the admin token), everyone reads.
  if (path === 'annotations' && method === 'GET') {
    const label = q.get('label')
    const name = q.get('name')
    if (name && !label) throw bad('label: required with name')
    const w = win() ?? (q.get('day') ? dayWindow(day(), tz) : null)
    return { body: listAnnotations(team, { label, name, w, limit: limit(1000) }) }
  }
  if (path === 'annotations' && method === 'POST') {
    write()
    const b = json(rawBody)
    const problem = annotationProblem(team, b)
    if (problem) throw bad(problem)
    if (b.name && !team.nodes.has(`${b.label}/${b.name}`)) throw notFound(`node ${b.label}/${b.name} not found`)
    const at = Math.floor(world.now())
    const a = { id: team.nextAnnotation++, label: b.label, name: b.name ?? '', from: b.from, to: b.to, text: b.text, author: user.user, created_at: at, updated_by: '', updated_at: at }
    team.annotations.push(a)
    return { status: 201, body: a }
  }
  if (rest[0] === 'annotations' && rest.length === 2) {
    const a = team.annotations.find((x) => String(x.id) === rest[1])
    if (!a) throw notFound(`annotation ${rest[1]} not found`)
    if (method === 'GET') return { body: a }
    if (method === 'PUT') {
      write()
      const b = json(rawBody)
      const problem = annotationProblem(team, b)
      if (problem) throw bad(problem)
      Object.assign(a, { label: b.label, name: b.name ?? '', from: b.from, to: b.to, text: b.text, updated_by: user.user, updated_at: Math.floor(world.now()) })
      return { body: a }
    }
    if (method === 'DELETE') {
      write()
      team.annotations = team.annotations.filter((x) => x !== a)
      return { status: 204 }
    }
  }

  // Variables (docs/sources.md): checks render with them (model.mjs
  // renderQuery) in rule executions, when saved and when a set changes.
  // The sources' connection test: Fake passes; a plugin with a URL is
  // asked for real (testConnection).
  const renderCheck = (c) => {
    const rules = rulesOf(team, c.name)
    for (const rule of rules.length ? rules : [null]) {
      let query
      try {
        query = renderQuery(team, c, rule === null ? null : team.variables.get(`rule/${rule}`) ?? {})
      } catch (e) {
        return `parameters.query: ${e.message}${rule === null ? '' : ` (in rule ${JSON.stringify(rule)})`}`
      }
      const plugin = PLUGINS.find((p) => p.name === team.sources.get(c.source)?.plugin)
      const queries = plugin?.checks.map((x) => x.query) ?? []
      if (plugin && !plugin.node_label && !queries.includes(query) && !(rule === null && /depc\.rule\./.test(c.parameters.query))) {
        return `parameters.query: unknown metric ${JSON.stringify(query)}: the ${plugin.name} source generates ${queries.join(', ')}${query === c.parameters.query ? '' : ` (rendered: ${query})`}`
      }
    }
    return null
  }
  if (path === 'variables' && method === 'GET') {
    const order = ['team', 'source', 'rule', 'check']
    return {
      body: [...team.variables.entries()]
        .map(([k, v]) => ({ scope: k.split('/')[0], ...(k.split('/')[1] ? { owner: k.split('/')[1] } : {}), variables: v }))
        .sort((a, b) => order.indexOf(a.scope) - order.indexOf(b.scope) || (a.owner ?? '').localeCompare(b.owner ?? '')),
    }
  }
  {
    const scoped = path === 'variables/team' ? 'team/' :
      rest.length === 3 && rest[2] === 'variables' && ['sources', 'rules', 'checks'].includes(rest[0]) ? `${rest[0].slice(0, -1)}/${rest[1]}` : null
    if (scoped !== null) {
      const [scope, owner] = scoped.split('/')
      if (owner && !team[`${scope}s`].has(owner)) throw notFound(`${scope} ${JSON.stringify(owner)} not found`)
      if (method === 'GET') return { body: { variables: team.variables.get(scoped) ?? {} } }
      if (method === 'PUT') {
        write()
        const b = json(rawBody)
        const vars = b.variables ?? {}
        for (const k of Object.keys(vars)) if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw bad(`variables.${k}: a variable's name is a letter or _ then letters, digits or _`)
        const before = team.variables.get(scoped)
        if (Object.keys(vars).length) team.variables.set(scoped, vars)
        else team.variables.delete(scoped)
        for (const c of team.checks.values()) {
          const problem = /\{\{/.test(c.parameters?.query ?? '') ? renderCheck(c) : null
          if (problem) {
            if (before) team.variables.set(scoped, before)
            else team.variables.delete(scoped)
            throw bad(`variables: check ${JSON.stringify(c.name)}: ${problem}`)
          }
        }
        team.cache.clear()
        return { body: { variables: vars } }
      }
    }
  }
  if (rest[0] === 'sources' && method === 'POST' && ((rest.length === 2 && rest[1] === 'test') || (rest.length === 3 && rest[2] === 'test'))) {
    if (!user.admin && world.grants.get(team.name)?.get(user.user) !== 'manager') throw new HttpError(403, 'forbidden', `user ${user.user} is not a manager of team ${team.name}`)
    const body = rawBody ? json(rawBody) : {}
    let source = body
    if (rest.length === 3) {
      source = team.sources.get(rest[1])
      if (!source) throw notFound(`source ${JSON.stringify(rest[1])} not found`)
      if (source.plugin === 'Shared') {
        const e = world.shared?.get(source.configuration.source)
        source = e ? { plugin: e.plugin, configuration: e.configuration } : source
      }
    }
    return testConnection(source, body.query)
  }

  for (const [coll, map, validate] of [
    ['sources', team.sources, (b) => {
      const plugin = PLUGINS.find((p) => p.name === b.plugin)
      if (!plugin) throw bad(`plugin: must be one of ${PLUGINS.map((p) => p.name).join(', ')}, not ${JSON.stringify(b.plugin)}`)
      // A plugin whose example has a URL needs one.
      if ('url' in plugin.example && !/^https?:\/\//.test(b.configuration?.url ?? '')) throw bad('configuration.url: must be an http(s) URL')
    }],
    ['checks', team.checks, (b) => {
      if (!team.sources.has(b.source)) throw bad(`source: unknown source ${JSON.stringify(b.source)}`)
      if (!['Threshold', 'Interval'].includes(b.type)) throw bad('type: must be Threshold or Interval')
      const t = b.parameters?.threshold
      if (b.type === 'Threshold' && !/^-?\d+(\.\d+)?$/.test(t ?? '')) throw bad(`parameters.threshold: not a number: ${JSON.stringify(t)}`)
      if (b.type === 'Interval' && !/^-?\d+(\.\d+)?:-?\d+(\.\d+)?$/.test(t ?? '')) throw bad(`parameters.threshold: not an interval A:B: ${JSON.stringify(t)}`)
      // Rendered with its variables, for each rule that runs it; a plugin
      // without a node label (Fake) queries only its suggested checks.
      if (typeof b.parameters?.query !== 'string') throw bad('parameters.query: required')
      const problem = renderCheck(b)
      if (problem) throw bad(problem)
    }],
    ['rules', team.rules, (b) => {
      if (!Array.isArray(b.checks)) throw bad('checks: must be a list of check names')
      b.checks.forEach((c, i) => {
        if (!team.checks.has(c)) throw bad(`checks[${i}]: unknown check ${JSON.stringify(c)}`)
        try {
          renderQuery(team, team.checks.get(c), team.variables.get(`rule/${b.name}`) ?? {})
        } catch (e) {
          throw bad(`checks[${i}]: parameters.query: ${e.message} (in rule ${JSON.stringify(b.name)})`)
        }
      })
    }],
  ]) {
    if (rest[0] !== coll) continue
    if (rest.length === 1 && method === 'GET') return { body: [...map.values()] }
    if (rest.length === 1 && method === 'POST') {
      write()
      const b = json(rawBody)
      if (typeof b.name !== 'string' || !b.name) throw bad('name: required')
      if (map.has(b.name)) throw new HttpError(409, 'conflict', `${coll.slice(0, -1)} ${JSON.stringify(b.name)} exists`)
      validate(b)
      map.set(b.name, b)
      return { status: 201, body: b }
    }
    const item = map.get(rest[1])
    if (rest.length === 3 && coll === 'rules' && rest[2] === 'execute' && method === 'POST') {
      if (!item) throw notFound(`rule ${JSON.stringify(rest[1])} not found`)
      const b = json(rawBody)
      if (typeof b.name !== 'string' || !b.name) throw bad('name: required (the node name)')
      if (!Number.isInteger(b.start) || !Number.isInteger(b.end)) throw bad('start, end: Unix seconds required')
      if (b.end <= b.start) throw bad('end: must be after start')
      if (b.end - b.start > 7 * 86400) throw bad('end: a window is at most 7 days')
      return { body: ruleTimeline(team, item.name, b.name, { start: b.start, end: b.end }, true) }
    }
    if (rest.length !== 2) break
    if (!item) throw notFound(`${coll.slice(0, -1)} ${JSON.stringify(rest[1])} not found`)
    if (method === 'GET') return { body: item }
    if (method === 'PUT') {
      write()
      const b = { ...json(rawBody), name: item.name }
      validate(b)
      map.set(item.name, b)
      team.cache.clear()
      return { body: b }
    }
    if (method === 'DELETE') {
      write()
      const used =
        coll === 'sources' ? [...team.checks.values()].find((c) => c.source === item.name) :
        coll === 'checks' ? [...team.rules.values()].find((r) => r.checks.includes(item.name)) :
        Object.entries(currentConfig(team)?.config ?? {}).find(([, v]) => v.qos.replace(/^rule\.'?|'$/g, '') === item.name)
      if (used) throw new HttpError(409, 'conflict', `${coll.slice(0, -1)} ${JSON.stringify(item.name)} is used by ${Array.isArray(used) ? 'label ' + used[0] : JSON.stringify(used.name)}`)
      map.delete(item.name)
      team.variables.delete(`${coll.slice(0, -1)}/${item.name}`)
      return { status: 204 }
    }
  }

  // Alerts (e2e/alerts.mjs): receivers are the managers' (here the admin).
  if (rest[0] === 'alerts') {
    const out = handleAlerts(team, method, rest, q, rawBody, write, world.now())
    if (out) return out
  }

  // Config.
  if (path === 'config' && method === 'GET') {
    const c = currentConfig(team)
    if (!c) throw notFound(`team ${team.name} has no configuration`)
    return { body: c }
  }
  if (path === 'config' && method === 'PUT') {
    write()
    const cfg = json(rawBody)
    const err = validateConfig(team, cfg)
    if (err) throw bad(err)
    return { body: saveConfig(team, cfg, world.now()) }
  }
  if (path === 'configs' && method === 'GET') return { body: [...team.configs].reverse() }
  if (rest[0] === 'configs' && rest[2] === 'restore' && rest.length === 3 && method === 'POST') {
    write()
    const v = team.configs.find((c) => String(c.id) === rest[1])
    if (!v) throw notFound(`config version ${rest[1]} not found`)
    const err = validateConfig(team, v.config)
    if (err) throw bad(err)
    return { body: saveConfig(team, v.config, world.now()) }
  }

  // Runs: a started run is queued, then runs for a few seconds.
  if (path === 'runs' && method === 'GET') return { body: team.runs.map((r) => progress(world, r)).reverse() }
  if (rest[0] === 'runs' && rest.length === 2 && method === 'GET') {
    const r = team.runs.find((x) => String(x.id) === rest[1])
    if (!r) throw notFound(`run ${rest[1]} not found`)
    return { body: progress(world, r) }
  }
  if (path === 'runs' && method === 'POST') {
    write()
    const b = json(rawBody)
    let days
    if (b.day !== undefined) {
      if (!isDay(b.day)) throw bad('day: must be a day YYYY-MM-DD')
      days = [b.day]
    } else {
      if (!isDay(b.from)) throw bad('from: must be a day YYYY-MM-DD')
      if (!isDay(b.to)) throw bad('to: must be a day YYYY-MM-DD')
      if (b.to < b.from) throw bad('to: before from')
      days = []
      for (let d = b.from; d <= b.to; d = addDays(d, 1)) days.push(d)
      if (days.length > 366) throw bad('to: a backfill is at most 366 days')
    }
    const today = dayOf(world.now(), tz)
    if (days.some((d) => d >= today)) throw bad(`day: ${days.find((d) => d >= today)} is not over yet in ${tz}`)
    const run = { id: team.runs.length + 1, days, status: 'queued', created: world.now(), created_at: Math.floor(world.now()), started_at: null, finished_at: null, nodes: null, errors: [], progress: 0 }
    team.runs.push(run)
    if (q.get('wait') === 'true') {
      run.created -= 1000
      return { status: 200, body: progress(world, run) }
    }
    return { status: 202, body: { id: run.id, status: 'queued', days } }
  }

  throw notFound(`no route ${method} ${url.pathname}`)
}

/**
 * A source's connection test (POST …/sources/test, …/sources/NAME/test), in
 * the shape of ConnectionReport: Fake always connects; a plugin with a URL
 * is asked one query over the last hour, and fails at the step depc names
 * (api/connection.go): authentication for HTTP 401 and 403, reachability
 * for no answer or another status.
 */
async function testConnection(source, query) {
  const t0 = Date.now()
  const plugin = PLUGINS.find((p) => p.name === source.plugin)
  const steps = []
  const report = (ok, failed, error, series = 0) => {
    for (const name of ['configuration', 'reachability', 'authentication', 'query']) {
      if (name === failed) {
        steps.push({ name, ok: false, error })
        break
      }
      steps.push({ name, ok: true, error: null })
    }
    return { body: { ok, steps, query: plugin ? query || plugin.checks[0]?.query || 'up' : '', series, duration_ms: Date.now() - t0 } }
  }
  if (!plugin) return report(false, 'configuration', `plugin: must be one of ${PLUGINS.map((p) => p.name).join(', ')}, not ${JSON.stringify(source.plugin)}`)
  if (!('url' in plugin.example)) return report(true, null, null, 1)
  const base = source.configuration?.url ?? ''
  if (!/^https?:\/\//.test(base)) return report(false, 'configuration', 'configuration.url: must start with http:// or https://')
  const kind = plugin.name.toLowerCase()
  const now = Math.floor(Date.now() / 60000) * 60
  const q = new URLSearchParams({ query: query || plugin.checks[0]?.query || 'up', start: String(now - 3600), end: String(now), step: '60' })
  const headers = source.configuration.bearer_token ? { Authorization: `Bearer ${source.configuration.bearer_token}` } : {}
  let res
  try {
    res = await fetch(`${base.replace(/\/$/, '')}/api/v1/query_range?${q}`, { headers, signal: AbortSignal.timeout(5000) })
  } catch (e) {
    const why = e.cause?.code === 'ECONNREFUSED' ? 'connection refused' : e.cause?.code === 'ENOTFOUND' ? 'no such host' : 'no answer'
    return report(false, 'reachability', `${kind} at ${base} is unreachable: ${why}`)
  }
  await res.arrayBuffer()
  if (res.status === 401 || res.status === 403) return report(false, 'authentication', `${kind} at ${base} answered HTTP ${res.status} (check the source's credentials)`)
  if (!res.ok) return report(false, 'reachability', `${kind} at ${base} answered HTTP ${res.status}`)
  return report(true, null, null, 0)
}

/** Advances a started run with the clock: queued 1 s, then 1.5 s per day. */
function progress(world, run) {
  if (run.created !== undefined && run.status !== 'succeeded') {
    const age = world.now() - run.created
    const need = 1.5 * run.days.length
    if (age < 1) run.status = 'queued'
    else if (age < 1 + need) Object.assign(run, { status: 'running', started_at: Math.floor(run.created + 1), progress: Math.min(0.99, (age - 1) / need), nodes: Math.floor(7 * ((age - 1) / need)) })
    else Object.assign(run, { status: 'succeeded', started_at: Math.floor(run.created + 1), finished_at: Math.floor(run.created + 1 + need), progress: 1, nodes: 7 * run.days.length })
  }
  const { created: _c, ...out } = run
  return out
}

// Run as a program.
if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const arg = (n, d) => {
    const i = process.argv.indexOf(`--${n}`)
    return i > 0 ? process.argv[i + 1] : d
  }
  const { url } = await startMock({ port: Number(arg('port', process.env.PORT ?? 8765)), dist: resolve(arg('dist', fileURLToPath(new URL('../dist', import.meta.url)))) })
  console.log(`depc mock API and UI on ${url} (tokens: demo-token, viewer-token)`)
}



// Users, their tokens, grants and the audit log (docs/security.md): enough
// of depc's access API for the Access, Admin and My tokens pages.
function accessWorld(world) {
  if (world.users) return
  world.users = new Map([...world.tokens.values()].map((t) => [t.user, { name: t.user, admin: t.admin, created_at: Math.floor(world.now()) }]))
  world.grants = new Map([['acme', new Map([['viewer', 'viewer']])]])
  world.userTokens = [] // {id, user, name, created_at, expires_at, secret}
  world.audit = []
  world.nextId = 1
}

function audit(world, user, team, action, target, status, before, after) {
  world.audit.push({ id: world.nextId++, at: Math.floor(world.now()), team, user: user.user, action, target, status, before, after })
}

function auditPage(world, q, team) {
  const before = q.get('before') === null ? Infinity : Number(q.get('before'))
  const lim = Math.min(Number(q.get('limit') ?? 100) || 100, 1000)
  const want = q.get('team')
  return world.audit
    .filter((e) => (team === undefined || e.team === team) && (want === null || e.team === want) && e.id < before)
    .reverse()
    .slice(0, lim)
}

const tokenView = (t, now) => ({ id: t.id, name: t.name, created_at: t.created_at, expires_at: t.expires_at, expired: t.expires_at !== null && t.expires_at <= now })

function newSecret() {
  return `depc_${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`
}

function accessRoute(world, caller, method, segs, q, rawBody) {
  accessWorld(world)
  const now = Math.floor(world.now())
  const admin = () => {
    if (!caller.admin) throw new HttpError(403, 'forbidden', `user ${caller.user} is not an admin`)
  }
  const issue = (user, name, expires_at) => {
    if (typeof name !== 'string' || !name) throw bad('name: required')
    if (world.userTokens.some((t) => t.user === user && t.name === name)) throw new HttpError(409, 'conflict', `name: user ${user} already has a token ${JSON.stringify(name)}`)
    if (expires_at !== undefined && expires_at !== null && (!Number.isInteger(expires_at) || expires_at <= now)) throw bad('expires_at: must be Unix seconds in the future')
    const secret = newSecret()
    const t = { id: world.nextId++, user, name, created_at: now, expires_at: expires_at ?? null, secret }
    world.userTokens.push(t)
    const u = world.users.get(user)
    world.tokens.set(secret, { user, admin: u.admin, teams: [] })
    return { ...tokenView(t, now), token: secret }
  }
  // tokens under base: [user, rest of the path]
  const tokens = (user, rest, pathname, route) => {
    const mine = world.userTokens.filter((t) => t.user === user)
    if (rest.length === 0 && method === 'GET') return { body: mine.map((t) => tokenView(t, now)) }
    if (rest.length === 0 && method === 'POST') {
      const b = json(rawBody)
      const out = issue(user, b.name, b.expires_at)
      audit(world, caller, '', `POST ${route}`, pathname, 201, null, { ...out, token: '********' })
      return { status: 201, body: out }
    }
    const t = mine.find((x) => String(x.id) === rest[0])
    if (!t) throw notFound(`token ${rest[0]} not found`)
    if (rest.length === 1 && method === 'DELETE') {
      world.userTokens.splice(world.userTokens.indexOf(t), 1)
      world.tokens.delete(t.secret)
      return { status: 204 }
    }
    if (rest.length === 2 && rest[1] === 'rotate' && method === 'POST') {
      const b = rawBody ? json(rawBody) : {}
      world.tokens.delete(t.secret)
      t.secret = newSecret()
      if (b.expires_at !== undefined) t.expires_at = b.expires_at
      else if (t.expires_at !== null) t.expires_at = now + (t.expires_at - t.created_at)
      t.created_at = now
      world.tokens.set(t.secret, { user, admin: world.users.get(user).admin, teams: [] })
      return { body: { ...tokenView(t, now), token: t.secret } }
    }
    return null
  }
  const grantsOf = (name) => [...world.grants].flatMap(([team, m]) => (m.has(name) ? [{ team, user: name, role: m.get(name) }] : []))

  if (segs[0] === 'me' && segs.length === 1 && method === 'GET') return { body: { name: caller.user, admin: caller.admin, grants: grantsOf(caller.user) } }
  if (segs[0] === 'me' && segs[1] === 'tokens') return tokens(caller.user, segs.slice(2), '/me/tokens', '/me/tokens')
  const shared = sharedRoute(world, caller, method, segs, rawBody)
  if (shared) return shared
  // The admins' news: none at first, so no banner covers the scenarios
  // but the one that writes news through the Admin page.
  if (segs[0] === 'news') {
    world.news ??= []
    world.newsSeq ??= 0
    const newsBody = () => {
      const b = json(rawBody)
      for (const [f, max] of [['title', 200], ['text', 4000]]) {
        if (typeof b[f] !== 'string' || !b[f].trim() || b[f].length > max) throw bad(`${f}: must be 1 to ${max} bytes of UTF-8 text, not blank`)
      }
      return { title: b.title, text: b.text }
    }
    if (segs.length === 1 && method === 'GET') return { body: world.news.slice(0, Math.min(Number(q.get('limit') ?? 10) || 10, 100)) }
    if (segs.length === 1 && method === 'POST') {
      admin()
      const n = { id: ++world.newsSeq, ...newsBody(), author: caller.user, created_at: now, updated_at: now }
      world.news.unshift(n)
      return { status: 201, body: n }
    }
    if (segs.length === 2) {
      const n = world.news.find((x) => String(x.id) === segs[1])
      if (!n) throw notFound(`news ${segs[1]} not found`)
      if (method === 'GET') return { body: n }
      admin()
      if (method === 'PUT') {
        Object.assign(n, newsBody(), { updated_at: now })
        return { body: n }
      }
      if (method === 'DELETE') {
        world.news = world.news.filter((x) => x !== n)
        return { status: 204 }
      }
    }
  }
  if (segs[0] === 'audit' && segs.length === 1 && method === 'GET') {
    admin()
    return { body: auditPage(world, q) }
  }
  if (segs[0] !== 'users') return null
  admin()
  if (segs.length === 1 && method === 'GET') return { body: [...world.users.values()] }
  if (segs.length === 1 && method === 'POST') {
    const b = json(rawBody)
    if (typeof b.name !== 'string' || !/^[a-zA-Z0-9][a-zA-Z0-9_.@-]{0,127}$/.test(b.name)) throw bad('name: must be 1 to 128 letters, digits or _.@-, starting with a letter or digit')
    if (world.users.has(b.name)) throw new HttpError(409, 'conflict', `user ${JSON.stringify(b.name)} exists`)
    world.users.set(b.name, { name: b.name, admin: Boolean(b.admin), created_at: now })
    const t = issue(b.name, 'default', null)
    audit(world, caller, '', 'POST /users', '/users', 201, null, { name: b.name, admin: Boolean(b.admin), token: '********' })
    return { status: 201, body: { name: b.name, admin: Boolean(b.admin), token: t.token } }
  }
  const name = segs[1]
  const u = world.users.get(name)
  if (!u) throw notFound(`user ${JSON.stringify(name)} not found`)
  if (segs.length === 2 && method === 'GET') {
    return { body: { ...u, grants: grantsOf(name), tokens: world.userTokens.filter((t) => t.user === name).map((t) => tokenView(t, now)) } }
  }
  if (segs.length === 2 && method === 'DELETE') {
    for (const t of world.userTokens.filter((x) => x.user === name)) world.tokens.delete(t.secret)
    world.userTokens = world.userTokens.filter((x) => x.user !== name)
    for (const m of world.grants.values()) m.delete(name)
    world.users.delete(name)
    audit(world, caller, '', 'DELETE /users/{user}', `/users/${name}`, 204, u, null)
    return { status: 204 }
  }
  if (segs[2] === 'tokens') return tokens(name, segs.slice(3), `/users/${name}/tokens`, '/users/{user}/tokens')
  return null
}

// ---- limits and the shared catalog (docs/isolation.md) ----------------------

const LIMIT_KEYS = ['labels', 'nodes', 'message_bytes', 'messages_per_second']
const LIMIT_DEFAULTS = { labels: 200, nodes: 5000000, message_bytes: 65536, messages_per_second: 20000 }

function limitsOf(world, team) {
  world.limits ??= new Map()
  const overrides = world.limits.get(team) ?? {}
  return { effective: { ...LIMIT_DEFAULTS, ...overrides }, overrides, defaults: LIMIT_DEFAULTS }
}

const SHAREABLE = ['Prometheus', 'Fake']
const LABEL_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/

function checkMatchers(ms, field) {
  if (ms === undefined || ms === null) return []
  if (!Array.isArray(ms)) throw bad(`${field}: must be an array`)
  const seen = new Set()
  ms.forEach((m, i) => {
    if (typeof m?.label !== 'string' || !LABEL_RE.test(m.label) || m.label.startsWith('__')) throw bad(`${field}[${i}].label: ${JSON.stringify(m?.label)} is not a label name a selector can match (letters, digits and _, not starting with a digit or __)`)
    if (typeof m.value !== 'string' || !m.value) throw bad(`${field}[${i}].value: of ${m.label} must be 1 to 1024 bytes of UTF-8`)
    if (seen.has(m.label)) throw bad(`${field}[${i}].label: ${JSON.stringify(m.label)} is enforced twice`)
    seen.add(m.label)
  })
  return ms.map((m) => ({ label: m.label, value: m.value }))
}

function enforcedFor(entry, team, grant) {
  const own = new Map((grant.enforce ?? []).map((m) => [m.label, m.value]))
  const out = entry.enforce.map((m) => ({ label: m.label, value: own.has(m.label) ? own.get(m.label) : m.value.replaceAll('{team}', team) }))
  for (const m of grant.enforce ?? []) if (!entry.enforce.some((e) => e.label === m.label)) out.push(m)
  return out
}

/** The admin's catalog of shared sources and its grants (grants are team sources of plugin Shared). */
function sharedRoute(world, caller, method, segs, rawBody) {
  if (segs[0] !== 'shared-sources') return null
  if (!caller.admin) throw new HttpError(403, 'forbidden', 'this needs an admin token')
  world.shared ??= new Map()
  const pathname = `/${segs.map(encodeURIComponent).join('/')}`
  const view = (e) => ({ ...e, configuration: Object.fromEntries(Object.entries(e.configuration).map(([k, v]) => [k, ['bearer_token', 'token'].includes(k) && v ? '********' : v])) })
  const body = () => {
    const b = json(rawBody)
    if (typeof b.name !== 'string' || !b.name.trim()) throw bad('name: required')
    if (!PLUGINS.some((p) => p.name === b.plugin)) throw bad(`plugin: must be one of ${PLUGINS.map((p) => p.name).join(', ')}, not ${JSON.stringify(b.plugin)}`)
    if (!SHAREABLE.includes(b.plugin)) throw bad(`plugin: ${b.plugin} cannot keep a team's queries to its own series, so it cannot be shared`)
    const plugin = PLUGINS.find((p) => p.name === b.plugin)
    if ('url' in plugin.example && !/^https?:\/\//.test(b.configuration?.url ?? '')) throw bad('configuration.url: must be an http(s) URL')
    return { name: b.name, plugin: b.plugin, configuration: b.configuration ?? {}, description: b.description ?? '', enforce: checkMatchers(b.enforce, 'enforce') }
  }
  const grantsOf = (name) => {
    const out = []
    for (const t of world.teams.values()) {
      const s = t.sources.get(name)
      if (s?.plugin === 'Shared' && s.configuration.source === name) out.push({ team: t.name, source: name, enforce: s.configuration.enforce ?? [], effective: enforcedFor(world.shared.get(name), t.name, s.configuration) })
    }
    return out
  }
  if (segs.length === 1 && method === 'GET') return { body: [...world.shared.values()].sort((a, b) => a.name.localeCompare(b.name)).map(view) }
  if (segs.length === 1 && method === 'POST') {
    const e = body()
    if (world.shared.has(e.name)) throw new HttpError(409, 'conflict', `shared source ${JSON.stringify(e.name)} already exists`)
    world.shared.set(e.name, e)
    audit(world, caller, '', 'POST /shared-sources', pathname, 201, null, view(e))
    return { status: 201, body: view(e) }
  }
  const e = world.shared.get(segs[1])
  if (!e) throw notFound(`shared source ${JSON.stringify(segs[1])} not found`)
  if (segs.length === 2 && method === 'GET') return { body: view(e) }
  if (segs.length === 2 && method === 'PUT') {
    const n = body()
    if (n.name !== e.name) throw bad(`name: ${JSON.stringify(n.name)} differs from the name in the path ${JSON.stringify(e.name)} (renaming is not supported)`)
    for (const [k, v] of Object.entries(n.configuration)) if (v === '********') n.configuration[k] = e.configuration[k]
    world.shared.set(e.name, n)
    audit(world, caller, '', 'PUT /shared-sources/{shared}', pathname, 200, view(e), view(n))
    return { body: view(n) }
  }
  if (segs.length === 2 && method === 'DELETE') {
    const g = grantsOf(e.name)
    if (g.length) throw new HttpError(409, 'conflict', `shared source ${JSON.stringify(e.name)} is granted to team ${g[0].team}: revoke the grant first`)
    world.shared.delete(e.name)
    audit(world, caller, '', 'DELETE /shared-sources/{shared}', pathname, 204, view(e), null)
    return { status: 204 }
  }
  if (segs[2] === 'grants' && segs.length === 3 && method === 'GET') return { body: grantsOf(e.name) }
  if (segs[2] === 'grants' && segs.length === 4) {
    const team = world.teams.get(segs[3])
    if (!team) throw notFound(`team ${JSON.stringify(segs[3])} not found`)
    const s = team.sources.get(e.name)
    const mine = s?.plugin === 'Shared' && s.configuration.source === e.name
    const grant = () => grantsOf(e.name).find((g) => g.team === team.name)
    if (method === 'GET') {
      if (!mine) throw notFound(`team ${team.name} has no grant of shared source ${JSON.stringify(e.name)}`)
      return { body: grant() }
    }
    if (method === 'PUT') {
      if (s && !mine) throw new HttpError(409, 'conflict', `team ${team.name} has a source of its own named ${JSON.stringify(e.name)}: it cannot be granted a shared source of the same name`)
      const enforce = checkMatchers(rawBody ? json(rawBody).enforce : [], 'enforce')
      const before = mine ? grant() : null
      team.sources.set(e.name, { name: e.name, plugin: 'Shared', configuration: { source: e.name, ...(enforce.length ? { enforce } : {}) } })
      audit(world, caller, team.name, 'PUT /shared-sources/{shared}/grants/{team}', pathname, 200, before, grant())
      return { body: grant() }
    }
    if (method === 'DELETE') {
      if (!mine) throw notFound(`team ${team.name} has no grant of shared source ${JSON.stringify(e.name)}`)
      const user = [...team.checks.values()].find((c) => c.source === e.name)
      if (user) throw new HttpError(409, 'conflict', `source ${JSON.stringify(e.name)} is used by check ${JSON.stringify(user.name)}`)
      audit(world, caller, team.name, 'DELETE /shared-sources/{shared}/grants/{team}', pathname, 204, grant(), null)
      team.sources.delete(e.name)
      return { status: 204 }
    }
  }
  return null
}
