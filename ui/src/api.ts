// The depc REST API (v1) as the UI uses it: names for the schemas of
// api/openapi.json (generated into openapi.d.ts, so they follow the server's
// description) and a small fetch wrapper that turns the API's error body
// {"error": {"code", "message"}} into an ApiError.
import type { components, operations } from './openapi'

type Schemas = components['schemas']

export const API_BASE = '/api/v1'
const TOKEN_KEY = 'depc.token'

/** A QoS value in percent, rounded to 3 decimals, or null when nothing was known. */
export type Qos = number | null

export type Period = Schemas['Period']
export type Interval = Schemas['Interval']
export type Team = Schemas['Team']
export type Label = Schemas['Label']
export type NodeRef = Schemas['NodeKey']
export type Node = Schemas['Node']
export type Dependency = Schemas['Neighbour']
/** The answer of /dependencies or /dependents: the node and its neighbours of that kind. */
export type DependenciesResponse = Pick<Schemas['Dependencies'], 'node'> & Partial<Omit<Schemas['Dependencies'] & Schemas['Dependents'], 'node'>>
export type DayQos = Schemas['NodeDayQoS']
export type LabelDayQos = Schemas['LabelDayQoS']
export type DayValue = Schemas['DayQoS']
export type TeamQos = Schemas['TeamQoS']
export type Worst = Schemas['WorstNode']
/** One page of a label's node names. */
export type NodePage = Schemas['NodePage']
/** One page of nodes of any label (impacted nodes). */
export type NodeKeyPage = Schemas['NodeKeyPage']
/** How many nodes of a label depend on a node (GET …/impacted/count). */
export type ImpactedCount = operations['impactedCount']['responses'][200]['content']['application/json']
/** A node's active dependencies and dependents (GET …/dependencies/count). */
export type DependencyCount = operations['dependencyCount']['responses'][200]['content']['application/json']
export type RootCause = Schemas['RootCause']
/** Why a node was KO over a window (docs/rootcause.md). */
export type Explanation = Schemas['RootCauseExplanation']
export type Run = Schemas['Run']
export type RunStatus = Run['status']
export type RunRequest = Schemas['RunRequest']
export type Source = Schemas['Source']
export type SourcePlugin = Schemas['SourcePlugin']
export type Variables = Schemas['Variables']
export type ConnectionReport = Schemas['ConnectionReport']
export type SuggestedCheck = Schemas['SuggestedCheck']
export type Check = Schemas['Check']
export type CheckType = Check['type']
export type CheckParameters = Schemas['CheckParameters']
export type Rule = Schemas['Rule']
export type LabelConfig = Schemas['LabelConfig']
export type Config = Schemas['Config']
export type ConfigVersion = Schemas['ConfigVersion']
export type RuleRun = Omit<Schemas['RuleExecution'], 'checks'> & { checks: CheckResult[] }
export type Rejected = Schemas['Rejection']
/** A note of the team on a node (or on a whole label, name '') over [from, to). */
export type Annotation = Schemas['Annotation']
export type News = Schemas['News']
export type Statistics = Schemas['Statistics']
export type AnnotationRequest = Schemas['AnnotationRequest']
/** An incident review: a node over a window (GET …/incident). */
export type Incident = Schemas['Incident']
export type IncidentGraphNode = Schemas['IncidentGraphNode']
export type Leaf = Schemas['RootCauseLeaf']
/** Where a team's alerts go: an Alertmanager or a signed webhook (docs/alerts.md). */
export type AlertReceiver = Schemas['AlertReceiver']
export type AlertReceiverRequest = Schemas['AlertReceiverRequest']
/** The state of one alert (error budget burn, a day under target). */
export type Alert = Schemas['Alert']
/** The sending of one state of an alert to one receiver, with its attempts. */
export type AlertDelivery = Schemas['AlertDelivery']
/** The caller (GET /me): its name, whether it is an admin, and its grants. */
export type Me = Schemas['Me']
export type Role = Schemas['Role']
export type Grant = Schemas['Grant']
export type User = Schemas['User']
export type UserDetail = Schemas['UserDetail']
export type CreatedUser = Schemas['CreatedUser']
/** A named token of a user (never its secret); CreatedToken carries the secret, shown once. */
export type Token = Schemas['Token']
export type CreatedToken = Schemas['CreatedToken']
export type AuditEntry = Schemas['AuditEntry']
export type Objective = Schemas['Objective']
/** A label a shared source enforces on every selector of a team's queries (label="value"). */
export type LabelMatcher = Schemas['LabelMatcher']
/** A source of the admin's shared catalog (docs/isolation.md). */
export type SharedSource = Schemas['SharedSource']
/** The grant of a shared source to a team, and the labels enforced on it. */
export type SharedGrant = Schemas['SharedGrant']
/** A shared source as a team granted it sees it (no configuration). */
export type TeamSharedSource = Schemas['TeamSharedSource']
export type Limits = Schemas['Limits']
export type TeamLimits = Schemas['TeamLimits']
export type ObjectiveWindow = Schemas['ObjectiveWindow']
export type Budget = Schemas['Budget']
export type NodeBudget = Schemas['NodeBudget']
export type LabelBudget = Schemas['LabelBudget']
export type TeamBudgets = Schemas['TeamBudgets']
export type LabelBudgets = Schemas['LabelBudgets']
export type Maintenance = Schemas['Maintenance']
export type MaintenanceChange = Schemas['MaintenanceChange']
/** A team's monthly report (docs/report.md) and one of its nodes. */
export type MonthReport = Schemas['MonthReport']
export type MonthReportNode = Schemas['MonthReportNode']

/**
 * One datapoint [instant, value]: OpenAPI 3.0 cannot say "a pair", so the
 * schema's (number | null)[] is narrowed here to what the server sends.
 */
export type Point = [number, number | null]

/** A check's execution; `points` narrowed to pairs (see Point). */
export type CheckResult = Omit<Schemas['CheckExecution'], 'points'> & {
  points?: { name?: string; values: Point[] }[]
}

/** An error answered by the API, or a network failure (status 0). */
export class ApiError extends Error {
  readonly status: number
  readonly code: string
  constructor(status: number, code: string, message: string) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
  }
}

/**
 * The session of a caller a trusted reverse proxy signs in (api.proxy_auth,
 * docs/security.md): kept in place of a token, and sent as no
 * Authorization header at all, so that the proxy's header names the user.
 */
export const PROXY_SESSION = 'proxy-session'

export function getToken(): string | null {
  try {
    return sessionStorage.getItem(TOKEN_KEY)
  } catch {
    return null
  }
}

export function setToken(token: string | null): void {
  if (token) sessionStorage.setItem(TOKEN_KEY, token)
  else sessionStorage.removeItem(TOKEN_KEY)
  cache.clear()
}

/** Path segment: node names may hold '/', '?', '#', '%'. */
export const seg = encodeURIComponent

export function teamPath(team: string): string {
  return `/teams/${seg(team)}`
}

export function nodePath(team: string, label: string, name: string): string {
  return `${teamPath(team)}/labels/${seg(label)}/nodes/${seg(name)}`
}

export interface RequestOptions {
  method?: string
  body?: unknown
  signal?: AbortSignal
  token?: string
}

/** Listeners told when the API answers 401, so the app can ask for a token again. */
const unauthorized = new Set<(e: ApiError) => void>()
export function onUnauthorized(fn: (e: ApiError) => void): () => void {
  unauthorized.add(fn)
  return () => unauthorized.delete(fn)
}

export async function request<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' }
  const token = opts.token ?? getToken()
  if (token && token !== PROXY_SESSION) headers.Authorization = `Bearer ${token}`
  if (opts.body !== undefined) headers['Content-Type'] = 'application/json'
  let res: Response
  try {
    res = await fetch(API_BASE + path, {
      method: opts.method ?? 'GET',
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      signal: opts.signal,
    })
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e
    throw new ApiError(0, 'network', `The API is unreachable (${(e as Error).message}).`)
  }
  if (res.status === 204) return undefined as T
  const text = await res.text()
  let body: unknown = undefined
  if (text) {
    try {
      body = JSON.parse(text)
    } catch {
      if (res.ok) throw new ApiError(res.status, 'bad_response', 'The API answered something that is not JSON.')
    }
  }
  if (!res.ok) {
    const err = (body as { error?: { code?: string; message?: string } } | undefined)?.error
    const e = new ApiError(res.status, err?.code ?? httpCode(res.status), err?.message ?? (text.trim().slice(0, 300) || res.statusText || `HTTP ${res.status}`))
    if (res.status === 401 && !opts.token) for (const fn of unauthorized) fn(e)
    throw e
  }
  if (opts.method && opts.method !== 'GET') invalidate()
  return body as T
}

/** GETs a text answer (the Markdown of an incident); errors as request's. */
export async function requestText(path: string, opts: { signal?: AbortSignal } = {}): Promise<string> {
  const headers: Record<string, string> = {}
  const token = getToken()
  if (token && token !== PROXY_SESSION) headers.Authorization = `Bearer ${token}`
  let res: Response
  try {
    res = await fetch(API_BASE + path, { headers, signal: opts.signal })
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e
    throw new ApiError(0, 'network', `The API is unreachable (${(e as Error).message}).`)
  }
  const text = await res.text()
  if (!res.ok) {
    let err: { code?: string; message?: string } | undefined
    try {
      err = (JSON.parse(text) as { error?: { code?: string; message?: string } }).error
    } catch {
      err = undefined
    }
    const e = new ApiError(res.status, err?.code ?? httpCode(res.status), err?.message ?? (text.trim().slice(0, 300) || `HTTP ${res.status}`))
    if (res.status === 401) for (const fn of unauthorized) fn(e)
    throw e
  }
  return text
}

/** GETs a file (a CSV export) with its name from Content-Disposition; errors as request's. */
export async function requestBlob(path: string): Promise<{ blob: Blob; filename: string | null }> {
  const headers: Record<string, string> = {}
  const token = getToken()
  if (token && token !== PROXY_SESSION) headers.Authorization = `Bearer ${token}`
  let res: Response
  try {
    res = await fetch(API_BASE + path, { headers })
  } catch (e) {
    throw new ApiError(0, 'network', `The API is unreachable (${(e as Error).message}).`)
  }
  if (!res.ok) {
    const text = await res.text()
    let err: { code?: string; message?: string } | undefined
    try {
      err = (JSON.parse(text) as { error?: { code?: string; message?: string } }).error
    } catch {
      err = undefined
    }
    const e = new ApiError(res.status, err?.code ?? httpCode(res.status), err?.message ?? (text.trim().slice(0, 300) || `HTTP ${res.status}`))
    if (res.status === 401) for (const fn of unauthorized) fn(e)
    throw e
  }
  return { blob: await res.blob(), filename: dispositionName(res.headers.get('Content-Disposition')) }
}

/** The file name of a Content-Disposition header (attachment; filename="x.csv"), or null. */
export function dispositionName(header: string | null): string | null {
  const m = /filename="([^"/\\]+)"/.exec(header ?? '') ?? /filename=([^;\s"/\\]+)/.exec(header ?? '')
  return m ? m[1] : null
}

function httpCode(status: number): string {
  switch (status) {
    case 400: return 'invalid'
    case 401: return 'unauthorized'
    case 403: return 'forbidden'
    case 404: return 'not_found'
    case 409: return 'conflict'
    case 413: return 'too_large'
    default: return status >= 500 ? 'internal' : 'error'
  }
}

// A short-lived cache of GET answers: moving back and forth between pages
// does not refetch what was just shown. Any write clears it.
const CACHE_MS = 30_000
const cache = new Map<string, { at: number; value: Promise<unknown> }>()

export function cachedGet<T>(path: string, signal?: AbortSignal): Promise<T> {
  const hit = cache.get(path)
  if (hit && Date.now() - hit.at < CACHE_MS) return hit.value as Promise<T>
  // The cached request must not be aborted by the first caller going away.
  const value = request<T>(path)
  cache.set(path, { at: Date.now(), value })
  value.catch(() => cache.delete(path))
  if (!signal) return value
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(new DOMException('aborted', 'AbortError'))
    if (signal.aborted) return abort()
    signal.addEventListener('abort', abort, { once: true })
    value.then(resolve, reject)
  })
}

/** Forgets cached answers (all, or those whose path starts with prefix). */
export function invalidate(prefix = ''): void {
  for (const k of [...cache.keys()]) if (k.startsWith(prefix)) cache.delete(k)
}

/** Runs fn over items with at most `limit` at once (per-node fetches of a page). */
export async function pool<T, R>(items: T[], limit: number, fn: (item: T, i: number) => Promise<R>, signal?: AbortSignal): Promise<R[]> {
  const out: R[] = new Array(items.length)
  let next = 0
  async function worker() {
    while (next < items.length) {
      if (signal?.aborted) return
      const i = next++
      out[i] = await fn(items[i], i)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return out
}
