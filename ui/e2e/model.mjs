// The data behind the mock API: team acme with the tutorial graph (Offer
// premium → Websites foo.com, bar.com → Filers filer1/filer2, Apaches
// apache1/apache2), leaves measured by the Fake source, and results computed
// the way spec/semantics.md says (AND of children while their relations are
// active, AVERAGE for the offer, root cause by overlap). Team beta has a label
// of one million nodes to show that the UI pages instead of loading a label.
//
// This is a development and test double of the real API, not a second
// implementation of depc: it favours being readable over being general.

import { METRICS, generate, koIntervals } from './fake.mjs'

// ---- time ----------------------------------------------------------------

const fmts = new Map()
function wall(t, tz) {
  let f = fmts.get(tz)
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })
    fmts.set(tz, f)
  }
  const w = {}
  for (const p of f.formatToParts(new Date(t * 1000))) if (p.type !== 'literal') w[p.type] = Number(p.value)
  if (w.hour === 24) w.hour = 0
  return w
}
const pad = (n, w = 2) => String(n).padStart(w, '0')
export function dayOf(t, tz) {
  const w = wall(t, tz)
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}`
}
export function addDays(day, n) {
  const [y, m, d] = day.split('-').map(Number)
  const u = new Date(Date.UTC(y, m - 1, d + n))
  return `${pad(u.getUTCFullYear(), 4)}-${pad(u.getUTCMonth() + 1)}-${pad(u.getUTCDate())}`
}
function offset(t, tz) {
  const w = wall(t, tz)
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) / 1000 - t
}
export function dayStart(day, tz) {
  const [y, m, d] = day.split('-').map(Number)
  const naive = Date.UTC(y, m - 1, d) / 1000
  let t = naive - offset(naive, tz)
  t = naive - offset(t, tz)
  return t
}
export const dayWindow = (day, tz) => ({ start: dayStart(day, tz), end: dayStart(addDays(day, 1), tz) })
export const isDay = (s) => typeof s === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(s + 'T00:00:00Z'))

// ---- intervals -------------------------------------------------------------

export function union(list) {
  const s = list.filter((i) => i.to > i.from).sort((a, b) => a.from - b.from)
  const out = []
  for (const i of s) {
    const last = out[out.length - 1]
    if (last && i.from <= last.to) last.to = Math.max(last.to, i.to)
    else out.push({ ...i })
  }
  return out
}
export function intersect(a, b) {
  const out = []
  for (const x of a) for (const y of b) {
    const from = Math.max(x.from, y.from)
    const to = Math.min(x.to, y.to)
    if (to > from) out.push({ from, to })
  }
  return union(out)
}
const clip = (list, w) => union(list.map((i) => ({ from: Math.max(i.from, w.start), to: Math.min(i.to, w.end) })))
const total = (list) => list.reduce((a, i) => a + (i.to - i.from), 0)
const periodsOverlap = (periods, w) => periods.some((p) => (p.from ?? -Infinity) < w.end && (p.to ?? Infinity) > w.start)
const periodsAt = (periods, t) => periods.some((p) => (p.from ?? -Infinity) <= t && t < (p.to ?? Infinity))
const periodsClip = (periods, w) => union(periods.map((p) => ({ from: Math.max(p.from ?? -Infinity, w.start), to: Math.min(p.to ?? Infinity, w.end) })))

/** Rounds to 3 decimals as depc does. */
export const round3 = (x) => (x === null ? null : Number(x.toFixed(3)))

// ---- teams -----------------------------------------------------------------

const ALWAYS = [{ from: null, to: null }]
const DAY = 86400

export function createWorld(now = () => Date.now() / 1000) {
  const t0 = now()
  const world = {
    now,
    teams: new Map(),
    tokens: new Map([
      ['demo-token', { user: 'admin', admin: true, teams: null }],
      ['viewer-token', { user: 'viewer', admin: false, teams: ['acme'] }],
    ]),
  }

  // acme: the tutorial, in Paris time so that days and clocks are visibly the team's.
  const acme = newTeam('acme', 'Europe/Paris')
  const tz = acme.timezone
  const yesterday = addDays(dayOf(t0, tz), -1)
  const node = (label, name, periods = ALWAYS) => acme.nodes.set(`${label}/${name}`, { label, name, periods })
  node('Offer', 'premium')
  node('Website', 'foo.com')
  node('Website', 'bar.com')
  node('Filer', 'filer1')
  node('Filer', 'filer2')
  node('Apache', 'apache1')
  node('Apache', 'apache2', [{ from: dayStart(addDays(yesterday, -400), tz), to: null }])
  const rel = (from, to, periods = ALWAYS) => acme.relations.push({ from, to, periods })
  rel('Offer/premium', 'Website/foo.com')
  rel('Offer/premium', 'Website/bar.com')
  rel('Website/foo.com', 'Filer/filer1')
  rel('Website/foo.com', 'Apache/apache1')
  rel('Website/bar.com', 'Filer/filer2')
  rel('Website/bar.com', 'Apache/apache2')
  // bar.com also used filer1 until 12:00 ten days ago: a relation that ended.
  rel('Website/bar.com', 'Filer/filer1', [{ from: dayStart(addDays(yesterday, -90), tz), to: dayStart(addDays(yesterday, -9), tz) + 12 * 3600 }])
  acme.sources.set('fake', { name: 'fake', plugin: 'Fake', configuration: {} })
  acme.checks.set('Server Ping', { name: 'Server Ping', source: 'fake', type: 'Threshold', parameters: { query: 'depc.tutorial.ping', threshold: '20' } })
  acme.checks.set('Server HTTP', { name: 'Server HTTP', source: 'fake', type: 'Interval', parameters: { query: 'depc.tutorial.httpstatus', threshold: '200:299' } })
  acme.rules.set('Servers', { name: 'Servers', checks: ['Server Ping', 'Server HTTP'] })
  saveConfig(acme, {
    Filer: { qos: 'rule.Servers' },
    Apache: { qos: 'rule.Servers' },
    Website: { qos: 'operation.AND[Filer, Apache]' },
    Offer: { qos: 'aggregation.AVERAGE[Website]' },
  }, t0 - 40 * DAY)
  saveConfig(acme, {
    Filer: { qos: 'rule.Servers' },
    Apache: { qos: 'rule.Servers' },
    Website: { qos: 'operation.AND[Filer, Apache]' },
    Offer: { qos: 'aggregation.AVERAGE[Website]', label: { 'average.exclude': [] } },
  }, t0 - 20 * DAY)
  // Outages injected on top of the fake data, so some days are clearly bad:
  // filer1 down 2 h three days ago (foo.com's root cause), apache2 45 min a week
  // ago, and filer2 flapping yesterday.
  acme.outages = [
    { node: 'Filer/filer1', day: addDays(yesterday, -2), from: 10 * 3600, to: 12 * 3600 },
    { node: 'Apache/apache2', day: addDays(yesterday, -6), from: 15 * 3600, to: 15 * 3600 + 2700 },
    { node: 'Filer/filer2', day: yesterday, from: 3 * 3600, to: 3 * 3600 + 600 },
    { node: 'Filer/filer2', day: yesterday, from: 4 * 3600, to: 4 * 3600 + 300 },
  ]
  // A note of the team on filer1's outage.
  acme.annotations.push({
    id: acme.nextAnnotation++, label: 'Filer', name: 'filer1', from: dayStart(addDays(yesterday, -2), tz) + 10 * 3600, to: dayStart(addDays(yesterday, -2), tz) + 12 * 3600,
    text: 'filer1: disk array degraded, replaced at 12:00', author: 'admin', created_at: Math.floor(t0 - DAY), updated_by: '', updated_at: Math.floor(t0 - DAY),
  })
  acme.objectives.set('Website\u0000', { label: 'Website', name: '', target: 99, window: 'rolling_7d' })
  acme.objectives.set('Website\u0000foo.com', { label: 'Website', name: 'foo.com', target: 99.5, window: 'calendar_month' })
  acme.firstDay = addDays(yesterday, -59)
  acme.lastDay = yesterday
  acme.rejected = [
    { at: Math.floor(t0 - 3600), source: 'http', error: 'target.label: must match ^[A-Z]+[a-zA-Z0-9]*$', message: '{"source":{"label":"Website","name":"foo.com"},"target":{"label":"filer","name":"filer3"}}' },
    { at: Math.floor(t0 - 7200), source: 'kafka', error: 'source.props.from: must be an integer ≥ 0', message: '{"source_label":"Filer","source_name":"filer9","source_from":"1515241242"}' },
    { at: Math.floor(t0 - 90000), source: 'kafka', error: 'rel: only with a target', message: '{"source":{"label":"Apache","name":"apache3"},"rel":{"from":1}}' },
  ]
  for (let i = 9; i >= 0; i--) {
    const day = addDays(yesterday, -i)
    const start = dayStart(addDays(day, 1), tz) + 1800
    const errors = i === 4 ? [{ label: 'Filer', name: 'filer2', error: 'check Server Ping: source fake: context deadline exceeded' }] : []
    acme.runs.push({ id: acme.runs.length + 1, days: [day], status: 'succeeded', created_at: start, started_at: start, finished_at: start + 4, nodes: 7, errors, progress: 1 })
  }

  // beta: one label of a million nodes, generated on demand.
  const beta = newTeam('beta', 'UTC')
  beta.virtual = { label: 'Host', count: 1_000_000, name: (i) => `host${String(i).padStart(7, '0')}` }
  beta.sources.set('fake', { name: 'fake', plugin: 'Fake', configuration: {} })
  beta.checks.set('Ping', { name: 'Ping', source: 'fake', type: 'Interval', parameters: { query: 'depc.tutorial.httpstatus', threshold: '200:299' } })
  beta.rules.set('Ping', { name: 'Ping', checks: ['Ping'] })
  saveConfig(beta, { Host: { qos: 'rule.Ping' } }, t0 - 5 * DAY)
  beta.outages = []
  beta.firstDay = addDays(addDays(dayOf(t0, 'UTC'), -1), -6)
  beta.lastDay = addDays(dayOf(t0, 'UTC'), -1)

  world.teams.set('acme', acme)
  world.teams.set('beta', beta)
  return world
}

export function newTeam(name, timezone) {
  return {
    name, timezone, nodes: new Map(), relations: [], sources: new Map(), checks: new Map(), rules: new Map(),
    configs: [], runs: [], rejected: [], outages: [], cache: new Map(), virtual: null, annotations: [], nextAnnotation: 1,
    objectives: new Map(), maintenance: [], maintenanceSeq: 0,
    // Variable sets by "scope/owner" ("team/" for the team's).
    variables: new Map(),
  }
}

export function saveConfig(team, config, at) {
  const v = { id: team.configs.length + 1, created_at: Math.floor(at), config: structuredClone(config) }
  team.configs.push(v)
  team.cache.clear()
  return v
}

export const currentConfig = (team) => team.configs[team.configs.length - 1] ?? null

// ---- graph -----------------------------------------------------------------

export function labelsOf(team) {
  const counts = new Map()
  for (const n of team.nodes.values()) counts.set(n.label, (counts.get(n.label) ?? 0) + 1)
  if (team.virtual) counts.set(team.virtual.label, team.virtual.count)
  const cfg = currentConfig(team)?.config ?? {}
  for (const l of Object.keys(cfg)) if (!counts.has(l)) counts.set(l, 0)
  return [...counts.keys()].sort().map((l) => ({ name: l, nodes: counts.get(l), qos: cfg[l]?.qos ?? null }))
}

export function getNode(team, label, name) {
  const n = team.nodes.get(`${label}/${name}`)
  if (n) return n
  const v = team.virtual
  if (v && label === v.label) {
    const m = /^host(\d{7})$/.exec(name)
    if (m && Number(m[1]) < v.count) return { label, name, periods: ALWAYS }
  }
  return null
}

/** A page of names of a label: q substring, after a name, limit. */
export function listNodes(team, label, q, after, limit) {
  const v = team.virtual
  if (v && label === v.label) {
    // Names are ordered like their numbers; walk from after without listing all.
    const out = []
    let i = 0
    if (after) {
      const m = /^host(\d{7})$/.exec(after)
      i = m ? Number(m[1]) + 1 : after < v.name(0) ? 0 : v.count
    }
    for (; i < v.count && out.length <= limit; i++) {
      const name = v.name(i)
      if (!q || name.includes(q)) out.push(name)
    }
    return page(out, limit)
  }
  const names = [...team.nodes.values()].filter((n) => n.label === label).map((n) => n.name).sort()
  return page(names.filter((n) => (!q || n.includes(q)) && (!after || n > after)), limit)
}

function page(names, limit) {
  const nodes = names.slice(0, limit).map((name) => ({ name }))
  return { nodes, next: names.length > limit ? names[limit - 1] : null }
}

/** Direct relations of a node: dependencies (down) or dependents (up), as of a window. */
export function relatives(team, key, dir, w, inactive) {
  const out = []
  for (const r of team.relations) {
    if ((dir === 'down' ? r.from : r.to) !== key) continue
    const other = team.nodes.get(dir === 'down' ? r.to : r.from)
    const active = periodsOverlap(r.periods, w) && periodsOverlap(other.periods, w)
    if (!active && !inactive) continue
    out.push({ label: other.label, name: other.name, periods: other.periods, relation: { periods: r.periods }, active })
  }
  return out.sort((a, b) => a.label.localeCompare(b.label) || a.name.localeCompare(b.name))
}

export function impacted(team, key, label, at) {
  const found = new Set()
  const seen = new Set([key])
  const queue = [key]
  while (queue.length) {
    const k = queue.shift()
    for (const r of team.relations) {
      if (r.to !== k || seen.has(r.from)) continue
      const parent = team.nodes.get(r.from)
      if (!periodsAt(r.periods, at) || !periodsAt(parent.periods, at)) continue
      seen.add(r.from)
      queue.push(r.from)
      if (parent.label === label) found.add(r.from)
    }
  }
  return [...found].sort().map((k) => ({ label: team.nodes.get(k).label, name: team.nodes.get(k).name }))
}

// ---- variables (docs/sources.md) -------------------------------------------

const ACTION = /\{\{\s*depc\.(?:(team|source|rule|check)\.([A-Za-z_][A-Za-z0-9_]*)|(start|end|name))\s*((?:\|\s*[a-z_]+(?:\s+"[^"]*")*\s*)*)\}\}/g
const FILTERS = {
  lower: (s) => s.toLowerCase(),
  upper: (s) => s.toUpperCase(),
  trim: (s) => s.trim(),
  quote: (s) => JSON.stringify(s),
  regex_escape: (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
  default: (s, d) => (s === '' ? d : s),
  replace: (s, a, b) => s.replaceAll(a, b),
}

/**
 * Renders a check's query as the rule would run it over w: {{ depc.SCOPE.NAME }}
 * with the filters of querytemplate; throws "at byte N: unknown variable …".
 * ruleVars null renders rule variables as "" (a check no rule uses yet).
 */
export function renderQuery(team, check, ruleVars, w = { start: 0, end: 0 }) {
  const sets = {
    team: team.variables.get('team/') ?? {},
    source: team.variables.get(`source/${check.source}`) ?? {},
    rule: ruleVars,
    check: team.variables.get(`check/${check.name}`) ?? {},
  }
  return check.parameters.query.replace(ACTION, (all, scope, name, plain, filters, pos) => {
    let v
    if (plain === 'start' || plain === 'end') v = String(plain === 'start' ? w.start : w.end)
    else if (plain === 'name') throw new Error(`at byte ${pos}: depc.name: the sources fetch many nodes per query, so a query does not name one node`)
    else if (scope === 'rule' && ruleVars === null) v = ''
    else if (Object.hasOwn(sets[scope], name)) v = sets[scope][name]
    else throw new Error(`at byte ${pos}: unknown variable depc.${scope}.${name}`)
    for (const f of filters.split('|').map((x) => x.trim()).filter(Boolean)) {
      const [fn, ...args] = f.match(/[a-z_]+|"[^"]*"/g)
      if (!FILTERS[fn]) throw new Error(`at byte ${pos}: unknown filter ${fn}`)
      v = FILTERS[fn](v, ...args.map((a) => a.slice(1, -1)))
    }
    return v
  })
}

/** The names of the rules that run a check. */
export const rulesOf = (team, check) => [...team.rules.values()].filter((r) => r.checks.includes(check)).map((r) => r.name)

// ---- results ---------------------------------------------------------------

const BAD = { 'depc.tutorial.ping': 150, 'depc.tutorial.oco': 300, 'depc.tutorial.dbconnections': 200, 'depc.tutorial.httpstatus': 503 }

/** A leaf's timeline under its rule over window w: AND of its checks (KO if any check is KO). */
export function ruleTimeline(team, ruleName, name, w, withPoints = false) {
  const rule = team.rules.get(ruleName)
  const checks = (rule?.checks ?? []).map((c) => team.checks.get(c)).filter(Boolean)
  const results = checks.map((c) => {
    const src = team.sources.get(c.source)
    let query
    try {
      query = renderQuery(team, c, team.variables.get(`rule/${ruleName}`) ?? {}, w)
    } catch (e) {
      return { name: c.name, qos: null, ok: 0, ko: 0, unknown: w.end - w.start, downtime: [], series: 0, error: `parameters.query: ${e.message}` }
    }
    if (!src || src.plugin !== 'Fake') {
      return { name: c.name, qos: null, ok: 0, ko: 0, unknown: w.end - w.start, downtime: [], series: 0, error: src ? `source ${src.name}: not reachable from the mock` : `source ${c.source}: not found`, ...(withPoints ? { query } : {}) }
    }
    if (!METRICS.includes(query)) {
      return { name: c.name, qos: null, ok: 0, ko: 0, unknown: w.end - w.start, downtime: [], series: 0, error: `parameters.query: unknown metric ${JSON.stringify(query)}`, ...(withPoints ? { query } : {}) }
    }
    const points = generate(query, name, w.start, w.end)
    // The team's injected outages are bad datapoints, so stored results and
    // rule executions tell the same story.
    for (const o of team.outages) {
      if (o.node.slice(o.node.indexOf('/') + 1) !== name) continue
      const from = dayStart(o.day, team.timezone) + o.from
      const to = dayStart(o.day, team.timezone) + o.to
      for (const p of points) if (p[0] >= from && p[0] < to) p[1] = BAD[query]
    }
    const down = koIntervals(points, c.type, c.parameters.threshold, w.start, w.end)
    const ko = total(down)
    const ok = w.end - w.start - ko
    const r = { name: c.name, qos: round3((100 * ok) / (ok + ko)), ok, ko, unknown: 0, downtime: down, series: 1, error: null }
    if (withPoints) Object.assign(r, { type: c.type, threshold: c.parameters.threshold, query, points: [{ name: `${query}{name="${name}"}`, values: points }] })
    return r
  })
  const known = results.filter((r) => r.series > 0 && !r.error)
  const down = union(known.flatMap((r) => r.downtime))
  const len = w.end - w.start
  if (known.length === 0) return { qos: null, ok: 0, ko: 0, unknown: len, downtime: [], checks: results }
  const ko = total(down)
  return { qos: round3((100 * (len - ko)) / len), ok: len - ko, ko, unknown: 0, downtime: down, checks: results }
}

/**
 * Every node's result for one day (or for today so far when until is set):
 * { qos, ok, ko, unknown, downtime } by "Label/name", plus the raw leaf KO for root causes.
 */
export function computeDay(team, day, until) {
  const cacheKey = `${day}|${until ?? ''}`
  const hit = team.cache.get(cacheKey)
  if (hit) return hit
  const full = dayWindow(day, team.timezone)
  const w = until ? { start: full.start, end: Math.min(full.end, until) } : full
  const cfg = currentConfig(team)?.config ?? {}
  const res = new Map()
  const len = w.end - w.start
  const order = topo(cfg)
  for (const label of order) {
    const q = cfg[label].qos
    const nodes = [...team.nodes.values()].filter((n) => n.label === label)
    for (const n of nodes) {
      const key = `${label}/${n.name}`
      const active = periodsClip(n.periods, w)
      if (active.length === 0) continue
      const inactive = len - total(active)
      if (q.startsWith('rule.')) {
        const r = ruleTimeline(team, q.slice(5).replace(/^'(.*)'$/, '$1'), n.name, w)
        const down = intersect(clip(r.downtime, w), active)
        const ko = total(down)
        const unknown = r.qos === null ? len : inactive
        const ok = len - ko - unknown
        res.set(key, { qos: ok + ko ? round3((100 * ok) / (ok + ko)) : null, ok, ko, unknown, downtime: down, leaf: true })
      } else if (q.startsWith('operation.AND')) {
        // AND: KO wherever a child taking part is KO, while its relation is active.
        const uses = bracket(q)
        const parts = team.relations
          .filter((r) => r.from === key && uses.includes(r.to.split('/')[0]))
          .map((r) => ({ rel: periodsClip(r.periods, w), child: res.get(r.to) }))
          .filter((p) => p.child && p.child.downtime)
        const known = union(parts.flatMap((p) => intersect(p.rel, [{ from: w.start, to: w.end }])))
        const down = intersect(union(parts.flatMap((p) => intersect(p.child.downtime, p.rel))), active)
        const knownActive = intersect(known, active)
        const ko = total(down)
        const ok = total(knownActive) - ko
        res.set(key, { qos: ok + ko ? round3((100 * ok) / (ok + ko)) : null, ok, ko, unknown: len - ok - ko, downtime: down })
      } else if (q.startsWith('aggregation.')) {
        const uses = bracket(q)
        const vals = team.relations
          .filter((r) => r.from === key && uses.includes(r.to.split('/')[0]) && periodsOverlap(r.periods, w))
          .map((r) => res.get(r.to)?.qos)
          .filter((v) => v !== null && v !== undefined)
        const fn = q.startsWith('aggregation.MIN') ? Math.min : q.startsWith('aggregation.MAX') ? Math.max : null
        const v = vals.length === 0 ? null : fn ? fn(...vals) : vals.reduce((a, b) => a + b, 0) / vals.length
        res.set(key, { qos: round3(v), ok: null, ko: null, unknown: null, downtime: null })
      }
    }
  }
  team.cache.set(cacheKey, res)
  return res
}

export function bracket(q) {
  const m = /\[([^\]]*)\]\s*$/.exec(q)
  return m ? m[1].split(',').map((s) => s.trim()).filter(Boolean) : []
}

function topo(cfg) {
  const out = []
  const seen = new Set()
  const visit = (l) => {
    if (seen.has(l) || !cfg[l]) return
    seen.add(l)
    for (const u of bracket(cfg[l].qos)) visit(u)
    out.push(l)
  }
  Object.keys(cfg).sort().forEach(visit)
  return out
}

/** A day's result for a node, or undefined when no run computed the day. */
export function dayResult(team, key, day) {
  if (day < team.firstDay || day > team.lastDay) return undefined
  if (team.virtual && key.startsWith(team.virtual.label + '/')) {
    const name = key.slice(team.virtual.label.length + 1)
    const r = ruleTimeline(team, 'Ping', name, dayWindow(day, team.timezone))
    return { qos: r.qos, ok: r.ok, ko: r.ko, unknown: r.unknown, downtime: r.downtime }
  }
  const r = computeDay(team, day).get(key)
  return r ? { qos: r.qos, ok: r.ok, ko: r.ko, unknown: r.unknown, downtime: r.downtime } : { qos: null, ok: 0, ko: 0, unknown: 0, downtime: [] }
}

export function labelAverage(team, label, day) {
  if (day < team.firstDay || day > team.lastDay) return undefined
  if (team.virtual && label === team.virtual.label) {
    // The average of a million nodes, estimated from a sample so the mock stays fast.
    const vals = Array.from({ length: 20 }, (_, i) => dayResult(team, `${label}/${team.virtual.name(i * 50_000)}`, day).qos)
    return { qos: round3(vals.reduce((a, b) => a + b, 0) / vals.length), nodes: team.virtual.count }
  }
  const exclude = currentConfig(team)?.config?.[label]?.label?.['average.exclude'] ?? []
  const vals = [...computeDay(team, day).entries()].filter(([k, r]) => k.startsWith(label + '/') && r.qos !== null && !exclude.includes(k.slice(label.length + 1))).map(([, r]) => r.qos)
  return { qos: vals.length ? round3(vals.reduce((a, b) => a + b, 0) / vals.length) : null, nodes: vals.length }
}

export function worst(team, label, day, limit) {
  if (day < team.firstDay || day > team.lastDay) return []
  if (team.virtual && label === team.virtual.label) {
    return Array.from({ length: 40 }, (_, i) => team.virtual.name(i * 25_000))
      .map((name) => ({ name, qos: dayResult(team, `${label}/${name}`, day).qos }))
      .filter((x) => x.qos !== null && x.qos < 100)
      .sort((a, b) => a.qos - b.qos || a.name.localeCompare(b.name))
      .slice(0, limit)
  }
  const exclude = currentConfig(team)?.config?.[label]?.label?.['average.exclude'] ?? []
  return [...computeDay(team, day).entries()]
    .filter(([k, r]) => k.startsWith(label + '/') && r.qos !== null && r.qos < 100 && !exclude.includes(k.slice(label.length + 1)))
    .map(([k, r]) => ({ name: k.slice(label.length + 1), qos: r.qos }))
    .sort((a, b) => a.qos - b.qos || a.name.localeCompare(b.name))
    .slice(0, limit)
}

/**
 * Root cause of a node's downtime on a day (semantics §7), or over a window
 * w inside one day (the mock computes days; the server any window).
 */
export function rootCause(team, key, day, win) {
  const w = win ?? dayWindow(day, team.timezone)
  const res = win ? clipDay(computeDay(team, day), w) : computeDay(team, day)
  const self = res.get(key) ?? { qos: null, ko: null, downtime: [] }
  const [label, ...rest] = key.split('/')
  const nodes = new Map([[key, { label, name: rest.join('/'), qos: self.qos }]])
  const edges = []
  const queue = [key]
  while (queue.length) {
    const k = queue.shift()
    for (const r of team.relations) {
      if (r.from !== k) continue
      const child = team.nodes.get(r.to)
      if (!periodsOverlap(r.periods, w) || !periodsOverlap(child.periods, w)) continue
      edges.push({ from: { label: nodes.get(k).label, name: nodes.get(k).name }, to: { label: child.label, name: child.name } })
      if (!nodes.has(r.to)) {
        nodes.set(r.to, { label: child.label, name: child.name, qos: res.get(r.to)?.qos ?? null })
        queue.push(r.to)
      }
    }
  }
  const causes = [...nodes.keys()]
    .filter((k) => k !== key && res.get(k)?.leaf)
    .map((k) => ({ ...nodes.get(k), overlap: self.downtime ? total(intersect(self.downtime, res.get(k).downtime)) : 0 }))
    .sort((a, b) => b.overlap - a.overlap || a.label.localeCompare(b.label) || a.name.localeCompare(b.name))
  // The mock does not explain (the server does: docs/rootcause.md): explanation null, as for a team whose config cannot.
  return {
    node: { label, name: rest.join('/'), qos: self.qos, ko: self.ko, downtime: self.downtime },
    window: { from: w.start, to: w.end },
    causes,
    graph: { nodes: [...nodes.values()], edges },
    explanation: null,
    errors: [{ label, name: rest.join('/'), error: 'no explanation: the mock API does not explain' }],
    annotations: annotationsOf(team, [...nodes.keys()], w),
  }
}

/** A day's results cut to a window inside it. */
function clipDay(res, w) {
  const out = new Map()
  for (const [k, r] of res) {
    if (!r.downtime) {
      out.set(k, r)
      continue
    }
    const down = clip(r.downtime, w)
    const ko = total(down)
    const len = w.end - w.start
    out.set(k, { ...r, downtime: down, ko, ok: len - ko, unknown: 0, qos: round3((100 * (len - ko)) / len) })
  }
  return out
}

// ---- annotations -------------------------------------------------------------

/** The notes of some nodes ("Label/name") and of their labels as a whole that meet w, by from. */
export function annotationsOf(team, keys, w) {
  const labels = new Set(keys.map((k) => k.split('/')[0]))
  return team.annotations
    .filter((a) => (a.name === '' ? labels.has(a.label) : keys.includes(`${a.label}/${a.name}`)) && a.from < w.end && a.to > w.start)
    .sort((a, b) => a.from - b.from || a.to - b.to || a.id - b.id)
}

/** The team's notes a listing selects: of a node (with its label's), of a label, or all; over w. */
export function listAnnotations(team, { label, name, w, limit = 1000 }) {
  return team.annotations
    .filter((a) => !label || (name ? a.label === label && (a.name === name || a.name === '') : a.label === label))
    .filter((a) => !w || (a.from < w.end && a.to > w.start))
    .sort((a, b) => a.from - b.from || a.to - b.to || a.id - b.id)
    .slice(0, limit)
}

/** A note's check, as the server's (the messages name the field), or null. */
export function annotationProblem(team, b) {
  if (!b || typeof b !== 'object') return 'body: a JSON object is expected'
  if (typeof b.label !== 'string' || !/^[A-Z]+[a-zA-Z0-9]*$/.test(b.label)) return `label: ${JSON.stringify(b.label)} must match ^[A-Z]+[a-zA-Z0-9]*$`
  if (!Number.isInteger(b.from) || !Number.isInteger(b.to)) return 'from, to: Unix seconds required'
  if (b.to <= b.from) return `to: ${b.to} is not after from (${b.from})`
  if (b.to - b.from > 366 * DAY) return 'to: the range is longer than 366 days'
  if (typeof b.text !== 'string' || !b.text.trim()) return 'text: required'
  if (b.text.length > 4000) return `text: ${b.text.length} bytes, at most 4000`
  if (b.name && !team.nodes.has(`${b.label}/${b.name}`)) return null // the server answers 404: see the route
  return null
}

// ---- incident review -----------------------------------------------------------

/**
 * The incident review of a node over a window inside one day, in the
 * server's shape (GET …/incident). The mock shares the node's KO time among
 * its leaves by their overlap with it (the server explains it exactly,
 * docs/rootcause.md); evidence is the leaves' KO datapoints during it.
 */
export function incident(team, key, day, w, now) {
  const rc = rootCause(team, key, day, w)
  const res = clipDay(computeDay(team, day), w)
  const self = res.get(key) ?? { qos: null, ok: null, ko: null, unknown: null, downtime: [] }
  const aggregation = self.ok === null
  const leaves = rc.causes.map((c) => ({ ...c, own: res.get(`${c.label}/${c.name}`) })).filter((c) => (aggregation ? c.own.ko > 0 : c.overlap > 0))
  const seconds = (c) => (aggregation ? c.own.ko : c.overlap)
  const sum = leaves.reduce((a, c) => a + seconds(c), 0)
  const lost = aggregation ? sum / Math.max(1, rc.graph.nodes.filter((n) => n.label !== rc.node.label).length) : self.ko
  const share = (c) => (sum > 0 ? (seconds(c) * lost) / sum : 0)
  const cfg = currentConfig(team)?.config ?? {}
  const causes = leaves
    .map((c) => {
      const rule = (cfg[c.label]?.qos ?? '').replace(/^rule\.'?|'$/g, '')
      const exec = ruleTimeline(team, rule, c.name, w, true)
      const during = aggregation ? c.own.downtime : intersect(self.downtime, c.own.downtime)
      const checks = exec.checks.map((ch) => {
        const evidence = (ch.points?.[0]?.values ?? [])
          .filter(([t]) => during.some((d) => t + 60 > d.from && t < d.to) && ch.downtime.some((d) => t >= d.from && t < d.to))
          .map(([t, v]) => ({ series: ch.points[0].name, at: t, value: v, from: t, to: t + 60 }))
        return { name: ch.name, type: ch.type, threshold: ch.threshold, ko: total(intersect(ch.downtime, during)), share: 0, evidence: evidence.slice(0, 20), evidence_total: evidence.length }
      })
      const ko = checks.reduce((a, ch) => a + ch.ko, 0)
      for (const ch of checks) ch.share = ko > 0 ? round3((ch.ko * share(c)) / ko) : 0
      return { label: c.label, name: c.name, qos: c.qos, seconds: seconds(c), share: round3(share(c)), checks }
    })
    .sort((a, b) => b.share - a.share || a.label.localeCompare(b.label) || a.name.localeCompare(b.name))
  const parentOf = (leaf) => rc.graph.edges.find((e) => e.to.label === leaf.label && e.to.name === leaf.name)?.from
  const paths = causes.map((c) => {
    const steps = [{ label: c.label, name: c.name, seconds: c.seconds, share: c.share }]
    for (let p = parentOf(c); p; p = parentOf(p)) {
      const r = res.get(`${p.label}/${p.name}`)
      steps.unshift({ label: p.label, name: p.name, seconds: r?.ko ?? null, share: c.share })
      if (p.label === rc.node.label && p.name === rc.node.name) break
    }
    return { share: c.share, steps }
  })
  const edges = new Map()
  for (const p of paths) for (let i = 1; i < p.steps.length; i++) edges.set(`${p.steps[i - 1].label}/${p.steps[i - 1].name}>${p.steps[i].label}/${p.steps[i].name}`, { from: { label: p.steps[i - 1].label, name: p.steps[i - 1].name }, to: { label: p.steps[i].label, name: p.steps[i].name } })
  const inGraph = new Set([key, ...paths.flatMap((p) => p.steps.map((s) => `${s.label}/${s.name}`))])
  const fmt = (s) => (s >= 3600 ? `${Math.floor(s / 3600)} h${s % 3600 ? ` ${Math.floor((s % 3600) / 60)} min` : ''}` : s >= 60 ? `${Math.floor(s / 60)} min` : `${s} s`)
  const summary = aggregation
    ? `QoS ${self.qos}, most lost by ${causes.slice(0, 3).map((c) => c.name).join(', ') || 'nothing'}`
    : self.ko === 0 ? 'never KO in the window' : `KO ${fmt(self.ko)} because of KO children: ${causes.slice(0, 3).map((c) => `${c.name} (${fmt(Math.round(c.share))})`).join(', ')}`
  const link = `/t/${encodeURIComponent(team.name)}/labels/${encodeURIComponent(rc.node.label)}/nodes/${encodeURIComponent(rc.node.name)}/incident?from=${iso(w.start)}&to=${iso(w.end)}`
  return {
    team: team.name, timezone: team.timezone, node: { label: rc.node.label, name: rc.node.name }, window: { from: w.start, to: w.end }, link, generated_at: Math.floor(now),
    qos: self.qos, ok: self.ok, ko: self.ko, unknown: self.unknown, downtime: aggregation ? null : self.downtime, lost: round3(lost), summary,
    causes, unexplained: [], paths, reasons: [], children: [],
    graph: { nodes: rc.graph.nodes.filter((n) => inGraph.has(`${n.label}/${n.name}`)).map((n) => ({ ...n, share: key === `${n.label}/${n.name}` ? round3(lost) : causes.find((c) => c.label === n.label && c.name === n.name)?.share ?? 0, unexplained: 0, leaf: Boolean(res.get(`${n.label}/${n.name}`)?.leaf) })), edges: [...edges.values()] },
    annotations: rc.annotations, errors: [],
  }
}

const iso = (t) => new Date(t * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z')

/** The Markdown of an incident, in the server's outline (incident.Report.Markdown). */
export function incidentMarkdown(x) {
  const lines = [`# Incident review: ${x.node.label} ${x.node.name}`, '', '## Summary', '', x.summary, '', '## Causes', '']
  x.causes.forEach((c, i) => lines.push(`${i + 1}. ${c.label} ${c.name}: ${c.seconds} s (${x.lost > 0 ? ((100 * c.share) / x.lost).toFixed(1) : '0'} %)`))
  lines.push('', '## Notes', '')
  for (const a of x.annotations) lines.push(`- ${a.label} ${a.name || '(all)'} · ${a.author}`, '', `  > ${a.text}`, '')
  return lines.join('\n') + '\n'
}

// ---- config validation ------------------------------------------------------

const QOS_RE = /^(?:rule\.(?:'[^']+'|[^'\s].*)|operation\.(?:AND|OR)(?:\(\))?\[[^\]]+\]|operation\.ATLEAST\([1-9]\d*\)\[[^\]]+\]|operation\.RATIO\((?:0?\.\d+|1|1\.0+|0\.\d+)\)\[[^\]]+\]|aggregation\.(?:AVERAGE|MIN|MAX)(?:\(\))?\[[^\]]+\])$/

/** The message of the first problem of a config, or null when it is valid. */
export function validateConfig(team, cfg) {
  if (!cfg || typeof cfg !== 'object' || Array.isArray(cfg)) return 'config: must be an object of labels'
  for (const [label, v] of Object.entries(cfg)) {
    if (!/^[A-Z]+[a-zA-Z0-9]*$/.test(label)) return `config: label ${JSON.stringify(label)}: must match ^[A-Z]+[a-zA-Z0-9]*$`
    if (!v || typeof v !== 'object' || Array.isArray(v)) return `config.${label}: must be an object with "qos"`
    for (const k of Object.keys(v)) if (k !== 'qos' && k !== 'label') return `config.${label}: unknown key ${JSON.stringify(k)}`
    if (typeof v.qos !== 'string') return `config.${label}.qos: missing`
    if (v.label !== undefined) {
      if (!v.label || typeof v.label !== 'object' || Array.isArray(v.label)) return `config.${label}.label: must be an object`
      for (const k of Object.keys(v.label)) if (k !== 'average.exclude') return `config.${label}.label: unknown key ${JSON.stringify(k)}`
    }
    const q = v.qos.trim()
    if (!QOS_RE.test(q)) return `config.${label}.qos: cannot parse ${JSON.stringify(v.qos)}`
    if (q.startsWith('rule.')) {
      const r = q.slice(5).replace(/^'(.*)'$/, '$1')
      if (!team.rules.has(r)) return `config.${label}.qos: unknown rule ${JSON.stringify(r)}`
    }
    for (const u of bracket(q)) {
      if (!cfg[u]) return `config.${label}.qos: label ${u} is not configured`
      if (q.startsWith('operation.') && cfg[u].qos.trim().startsWith('aggregation.')) return `config.${label}.qos: label ${u} is an aggregation and cannot feed an operation`
    }
  }
  // Cycles.
  const state = new Map()
  const visit = (l, path) => {
    if (state.get(l) === 1) return [...path, l]
    if (state.get(l) === 2) return null
    state.set(l, 1)
    for (const u of bracket(cfg[l].qos)) {
      const c = visit(u, [...path, l])
      if (c) return c
    }
    state.set(l, 2)
    return null
  }
  for (const l of Object.keys(cfg).sort()) {
    const c = visit(l, [])
    if (c) return `config.${c[0]}.qos: labels form a cycle: ${c.join(' → ')}`
  }
  return null
}

// ---- objectives and budgets (docs/objectives.md) ---------------------------

/** The first and last days of an objective's window that holds today. */
export function windowDays(kind, today) {
  const n = { rolling_7d: 7, rolling_28d: 28, rolling_30d: 30 }[kind]
  if (n) return [addDays(today, 1 - n), today]
  return [today.slice(0, 8) + '01', lastOfMonth(today)]
}

function lastOfMonth(today) {
  const [y, m] = today.split('-').map(Number)
  const u = new Date(Date.UTC(y, m, 0))
  return `${pad(u.getUTCFullYear(), 4)}-${pad(u.getUTCMonth() + 1)}-${pad(u.getUTCDate())}`
}

const LOOKBACKS = { '1h': 3600, '6h': 21600, '1d': DAY, '3d': 3 * DAY }

/**
 * A node's budget from its stored days (today pending, burn rates at
 * midnight), with the arithmetic of qos/budget.
 */
export function budgetOf(team, key, o, now) {
  const tz = team.timezone
  const today = dayOf(now, tz)
  const [first, last] = windowDays(o.window, today)
  const win = { start: dayStart(first, tz), end: dayStart(addDays(last, 1), tz) }
  const at = dayStart(today, tz)
  const samples = []
  for (let d = first; d < today; d = addDays(d, 1)) {
    const r = dayResult(team, key, d)
    if (r && r.ok !== null) samples.push({ day: d, w: dayWindow(d, tz), ...r })
  }
  const share = 1 - o.target / 100
  let measured = 0, ok = 0, spent = 0
  const days = []
  for (const s of samples) {
    measured += s.w.end - s.w.start
    ok += s.ok
    spent += s.ko
    days.push({ day: s.day, spent })
  }
  const counted = ok + spent
  const pending = win.end - win.start - measured
  const allowed = share * (counted + pending)
  const remaining = allowed - spent
  const burn = {}
  for (const [name, l] of Object.entries(LOOKBACKS)) {
    const lb = { start: at - l, end: at }
    let ko = 0, c = 0
    for (const s of samples) {
      const cover = Math.max(0, Math.min(s.w.end, lb.end) - Math.max(s.w.start, lb.start))
      if (!cover) continue
      if (cover === s.w.end - s.w.start) {
        ko += s.ko
        c += s.ok + s.ko
        continue
      }
      const k = total(clip(s.downtime, lb))
      ko += k
      c += k + (s.ok + s.unknown > 0 ? ((cover - k) * s.ok) / (s.ok + s.unknown) : 0)
    }
    burn[name] = c > 0 ? round3(ko / c / share) : null
  }
  const [label, name] = [key.slice(0, key.indexOf('/')), key.slice(key.indexOf('/') + 1)]
  return {
    label, name, objective: o, from: first, to: last, live: false, burn_at: at,
    measured, counted, pending, allowed: round3(allowed), spent, remaining: round3(remaining),
    remaining_ratio: allowed > 0 ? round3(remaining / allowed) : null, exhausted: remaining < 0,
    qos: counted > 0 ? round3((100 * ok) / counted) : null, burn_rates: burn,
    days: days.map((d) => ({ day: d.day, spent: d.spent, remaining: round3(allowed - d.spent) })),
  }
}

/** Every budget of a team, and a summary per label, as GET /budgets answers. */
export function teamBudgets(team, now, only) {
  const objectives = [...team.objectives.values()].filter((o) => !only || o.label === only)
  const own = new Map(objectives.filter((o) => o.name).map((o) => [`${o.label}/${o.name}`, o]))
  const nodes = []
  for (const o of objectives) {
    if (o.name) {
      if (team.nodes.has(`${o.label}/${o.name}`)) nodes.push(budgetOf(team, `${o.label}/${o.name}`, o, now))
      continue
    }
    for (const n of team.nodes.values()) {
      const key = `${n.label}/${n.name}`
      if (n.label === o.label && !own.has(key)) nodes.push(budgetOf(team, key, o, now))
    }
  }
  const labels = new Map()
  for (const o of objectives) if (!labels.has(o.label)) labels.set(o.label, { label: o.label, objective: null, nodes: 0, exhausted: 0, allowed: 0, spent: 0, remaining: 0, remaining_ratio: null, worst_ratio: null })
  for (const o of objectives) if (!o.name) labels.get(o.label).objective = o
  for (const b of nodes) {
    const l = labels.get(b.label)
    l.nodes++
    if (b.exhausted) l.exhausted++
    l.allowed += b.allowed
    l.spent += b.spent
    l.remaining += b.remaining
    if (b.remaining_ratio !== null && (l.worst_ratio === null || b.remaining_ratio < l.worst_ratio)) l.worst_ratio = b.remaining_ratio
  }
  for (const l of labels.values()) {
    l.remaining_ratio = l.allowed > 0 ? round3(l.remaining / l.allowed) : null
    l.allowed = round3(l.allowed)
    l.remaining = round3(l.remaining)
  }
  const worst = nodes
    .map(({ days: _d, ...b }) => b)
    .sort((a, b) => (a.remaining_ratio ?? Infinity) - (b.remaining_ratio ?? Infinity) || a.label.localeCompare(b.label) || a.name.localeCompare(b.name))
  return { today: dayOf(now, team.timezone), live: false, burn_at: dayStart(dayOf(now, team.timezone), team.timezone), labels: [...labels.values()].sort((a, b) => a.label.localeCompare(b.label)), worst, errors: [] }
}

/**
 * A team's monthly report (docs/report.md), as GET /report answers: every
 * node an objective applies to, its QoS over the calendar month (days up
 * to yesterday), met or missed, and its budget over the month.
 */
export function monthReport(team, month, now) {
  const tz = team.timezone
  const today = dayOf(now, tz)
  const first = `${month}-01`
  const last = lastOfMonth(first)
  const win = { start: dayStart(first, tz), end: dayStart(addDays(last, 1), tz) }
  const objectives = [...team.objectives.values()]
  const own = new Map(objectives.filter((o) => o.name).map((o) => [`${o.label}/${o.name}`, o]))
  const keys = []
  for (const o of objectives) {
    if (o.name) keys.push([`${o.label}/${o.name}`, o])
    else for (const n of team.nodes.values()) if (n.label === o.label && !own.has(`${n.label}/${n.name}`)) keys.push([`${n.label}/${n.name}`, o])
  }
  const nodes = []
  for (const [key, o] of keys) {
    let measured = 0, ok = 0, spent = 0
    for (let d = first; d <= last && d < today; d = addDays(d, 1)) {
      const r = dayResult(team, key, d)
      if (!r || r.ok === null) continue
      const w = dayWindow(d, tz)
      measured += w.end - w.start
      ok += r.ok
      spent += r.ko
    }
    // A label's node without any day in the month is not known then.
    if (!o.name && measured === 0) continue
    const counted = ok + spent
    const pending = win.end - win.start - measured
    const allowed = (1 - o.target / 100) * (counted + pending)
    const qos = counted > 0 ? round3((100 * ok) / counted) : null
    const i = key.indexOf('/')
    nodes.push({
      label: key.slice(0, i), name: key.slice(i + 1), objective: o, qos, met: qos === null ? null : qos >= o.target,
      counted, pending, allowed: round3(allowed), spent, remaining: round3(allowed - spent), remaining_ratio: allowed > 0 ? round3((allowed - spent) / allowed) : null,
    })
  }
  nodes.sort((a, b) => a.label.localeCompare(b.label) || a.name.localeCompare(b.name))
  return {
    team: team.name, month, from: first, to: last, complete: last < today,
    met: nodes.filter((n) => n.met === true).length, missed: nodes.filter((n) => n.met === false).length, unknown: nodes.filter((n) => n.met === null).length,
    nodes, errors: [],
  }
}

/** Quotes a CSV field as Go's encoding/csv does. */
export function csvField(s) {
  s = String(s)
  return /[",\r\n]/.test(s) || s.startsWith(' ') ? `"${s.replace(/"/g, '""')}"` : s
}

export function csvLines(rows) {
  return rows.map((r) => r.map(csvField).join(',') + '\n').join('')
}
