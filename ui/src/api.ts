// The depc REST API (v1) as the UI uses it: types that mirror
// /shared/spec/api.md and a small fetch wrapper that turns the API's error
// body {"error": {"code", "message"}} into an ApiError.

export const API_BASE = '/api/v1'
const TOKEN_KEY = 'depc.token'

export type Qos = number | null

export interface Period {
  from: number | null
  to: number | null
}

export interface Team {
  name: string
  timezone: string
}

export interface Label {
  name: string
  nodes: number
  qos: string | null
}

export interface NodeRef {
  label: string
  name: string
}

export interface Node extends NodeRef {
  periods: Period[]
}

export interface Dependency extends Node {
  relation: { periods: Period[] }
  active: boolean
}

export interface DependenciesResponse {
  node: Node
  dependencies?: Dependency[]
  dependents?: Dependency[]
}

export interface Interval {
  from: number
  to: number
}

export interface DayQos {
  day: string
  qos: Qos
  ok: number | null
  ko: number | null
  unknown: number | null
  downtime: Interval[] | null
}

export interface LabelDayQos {
  day: string
  qos: Qos
  nodes: number
}

export interface DayValue {
  day: string
  qos: Qos
}

export interface TeamQos {
  labels: Record<string, DayValue[]>
}

export interface Worst {
  name: string
  qos: Qos
}

export interface Page<T> {
  nodes: T[]
  next: string | null
}

export interface RootCause {
  node: NodeRef & { qos: Qos; ko: number | null }
  causes: (NodeRef & { qos: Qos; overlap: number })[]
  graph: {
    nodes: (NodeRef & { qos: Qos })[]
    edges: { from: NodeRef; to: NodeRef }[]
  }
}

export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed'

export interface Run {
  id: string | number
  days: string[]
  status: RunStatus
  /** When the run was queued (depc adds it to api.md's fields). */
  created_at?: number | null
  started_at: number | string | null
  finished_at: number | string | null
  nodes: number | null
  errors: { label: string; name: string; error: string }[] | null
  progress: number | null
}

export interface Source {
  name: string
  plugin: string
  configuration: Record<string, unknown>
}

export interface Check {
  name: string
  source: string
  type: 'Threshold' | 'Interval'
  parameters: { query: string; threshold: string; label?: string; [k: string]: unknown }
}

export interface Rule {
  name: string
  checks: string[]
}

export interface LabelConfig {
  qos: string
  label?: { 'average.exclude'?: string[] }
}

export type Config = Record<string, LabelConfig>

export interface ConfigVersion {
  id: string | number
  created_at: number | string
  config: Config
}

/** One datapoint; `points` is a proposed additive field of the execute answer. */
export type Point = [number, number | null]

export interface CheckResult {
  name: string
  qos: Qos
  ok: number
  ko: number
  unknown: number
  downtime: Interval[]
  series: number
  error: string | null
  /** Proposed addition (not in api.md v1): datapoints per series, and the threshold. */
  points?: { name?: string; values: Point[] }[]
  type?: string
  threshold?: string
}

export interface RuleRun {
  qos: Qos
  ok: number
  ko: number
  unknown: number
  downtime: Interval[]
  checks: CheckResult[]
}

export interface Rejected {
  at: number
  source: 'kafka' | 'http'
  error: string
  message: string
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
  if (token) headers.Authorization = `Bearer ${token}`
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
