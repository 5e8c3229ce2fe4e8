// A tiny history router. The URL holds everything a view shows (team, page,
// label, node, day, range), so any view can be shared as a link; the Go
// handler answers every client-side route with the app.

import { useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from 'react'
import { isoOf } from './time'

export interface Location {
  path: string
  search: string
}

const listeners = new Set<() => void>()
let current: Location = read()

function read(): Location {
  return { path: window.location.pathname, search: window.location.search }
}

function emit() {
  const next = read()
  if (next.path === current.path && next.search === current.search) return
  current = next
  for (const l of listeners) l()
}

window.addEventListener('popstate', emit)

function subscribe(fn: () => void) {
  listeners.add(fn)
  return () => listeners.delete(fn)
}

export function useLocation(): Location {
  return useSyncExternalStore(subscribe, () => current)
}

export function useParams(): URLSearchParams {
  const loc = useLocation()
  return new URLSearchParams(loc.search)
}

/** True when the last navigation was a push (a user action), for focus handling. */
export let lastNavigationWasPush = false

export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  const url = new URL(to, window.location.href)
  if (url.pathname + url.search === current.path + current.search) return
  if (opts.replace) window.history.replaceState(null, '', url.pathname + url.search + url.hash)
  else window.history.pushState(null, '', url.pathname + url.search + url.hash)
  lastNavigationWasPush = !opts.replace
  emit()
}

/**
 * Changes query parameters of the current URL (null deletes one). Used for
 * state a link should carry: day, range, search text, page cursor.
 */
export function setParams(updates: Record<string, string | null | undefined>, opts: { replace?: boolean } = {}): void {
  const params = new URLSearchParams(current.search)
  for (const [k, v] of Object.entries(updates)) {
    if (v === null || v === undefined || v === '') params.delete(k)
    else params.set(k, v)
  }
  const q = params.toString()
  navigate(current.path + (q ? `?${q}` : ''), opts)
}

/** Builds a URL from a path and parameters, leaving out empty ones. */
export function href(path: string, params: Record<string, string | number | null | undefined> = {}): string {
  const p = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined && v !== '') p.set(k, String(v))
  const q = p.toString()
  return q ? `${path}?${q}` : path
}

type LinkProps = AnchorHTMLAttributes<HTMLAnchorElement> & { to: string }

/** A real link (opens in a new tab with a middle click) that navigates in place on a plain click. */
export function Link({ to, onClick, ...rest }: LinkProps) {
  function click(e: MouseEvent<HTMLAnchorElement>) {
    onClick?.(e)
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return
    if (rest.target && rest.target !== '_self') return
    e.preventDefault()
    navigate(to)
  }
  return <a href={to} onClick={click} {...rest} />
}

/** Path segments, URL-decoded: /t/acme/labels/Web%2Fsite → ['t', 'acme', 'labels', 'Web/site']. */
export function segments(path: string): string[] {
  return path
    .split('/')
    .filter(Boolean)
    .map((s) => {
      try {
        return decodeURIComponent(s)
      } catch {
        return s
      }
    })
}

/** Client-side URLs of the app; every segment is encoded. */
export const urls = {
  signIn: (next?: string) => href('/signin', { next }),
  teams: () => '/',
  team: (t: string) => `/t/${enc(t)}`,
  labels: (t: string) => `/t/${enc(t)}/labels`,
  label: (t: string, l: string) => `/t/${enc(t)}/labels/${enc(l)}`,
  node: (t: string, l: string, n: string) => `/t/${enc(t)}/labels/${enc(l)}/nodes/${enc(n)}`,
  explore: (t: string, l: string, n: string) => `/t/${enc(t)}/labels/${enc(l)}/nodes/${enc(n)}/explore`,
  /** The incident view of a node over [from, to) (Unix seconds): a permanent URL, instants in RFC 3339 UTC. */
  incident: (t: string, l: string, n: string, w: { start: number; end: number }) =>
    `/t/${enc(t)}/labels/${enc(l)}/nodes/${enc(n)}/incident?from=${isoOf(w.start)}&to=${isoOf(w.end)}`,
  config: (t: string) => `/t/${enc(t)}/config`,
  sources: (t: string) => `/t/${enc(t)}/sources`,
  checks: (t: string) => `/t/${enc(t)}/checks`,
  rules: (t: string) => `/t/${enc(t)}/rules`,
  runs: (t: string) => `/t/${enc(t)}/runs`,
  statistics: (t: string) => `/t/${enc(t)}/statistics`,
  /** The monthly report; month YYYY-MM, yesterday's by default. */
  report: (t: string, month?: string) => href(`/t/${enc(t)}/report`, { month }),
  run: (t: string, id: string | number) => `/t/${enc(t)}/runs/${enc(String(id))}`,
  rejected: (t: string) => `/t/${enc(t)}/rejected`,
  alerts: (t: string) => `/t/${enc(t)}/alerts`,
  access: (t: string) => `/t/${enc(t)}/access`,
  admin: () => '/admin',
  sharedSources: () => '/admin/shared-sources',
  myTokens: () => '/tokens',
}

// Node names are printable ASCII and may hold '/', '?', '#', '%': encode them
// so each stays one path segment. Keep common safe characters readable.
function enc(s: string): string {
  return encodeURIComponent(s).replace(/%40/g, '@').replace(/%3A/g, ':')
}
