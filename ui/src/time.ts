// Days and instants in a team's time zone.
//
// The API speaks in days (YYYY-MM-DD, in the team's zone) and instants (Unix
// seconds). A day is [local midnight, next local midnight): 86 400 s most of the
// year, 82 800 s or 90 000 s on DST days. Everything here goes through
// Intl.DateTimeFormat, so it is exact for any IANA zone the browser knows and
// independent of the browser's own zone.

const DAY_RE = /^(\d{4})-(\d{2})-(\d{2})$/

const formats = new Map<string, Intl.DateTimeFormat>()

function partsFormat(tz: string): Intl.DateTimeFormat {
  let f = formats.get(tz)
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
    formats.set(tz, f)
  }
  return f
}

/** Local wall-clock fields of instant t (Unix seconds) in zone tz. */
export interface Wall {
  year: number
  month: number
  day: number
  hour: number
  minute: number
  second: number
}

export function wall(t: number, tz: string): Wall {
  const w: Wall = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 }
  for (const p of partsFormat(tz).formatToParts(new Date(Math.floor(t) * 1000))) {
    if (p.type in w) (w as unknown as Record<string, number>)[p.type] = Number(p.value)
  }
  // Some engines still write midnight as 24 with h23; normalise.
  if (w.hour === 24) w.hour = 0
  return w
}

/** Whether tz is a time zone this browser knows. */
export function isValidZone(tz: string): boolean {
  try {
    partsFormat(tz)
    return true
  } catch {
    return false
  }
}

/** Offset of tz from UTC at instant t, in seconds (local − UTC). */
export function zoneOffset(t: number, tz: string): number {
  const w = wall(t, tz)
  const asUTC = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) / 1000
  return asUTC - Math.floor(t)
}

export function isDay(s: string | null | undefined): s is string {
  if (!s) return false
  const m = DAY_RE.exec(s)
  if (!m) return false
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]))
  return d.getUTCFullYear() === +m[1] && d.getUTCMonth() === +m[2] - 1 && d.getUTCDate() === +m[3]
}

function parseDay(day: string): [number, number, number] {
  const m = DAY_RE.exec(day)
  if (!m) throw new RangeError(`not a day (YYYY-MM-DD): ${day}`)
  return [+m[1], +m[2], +m[3]]
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0')
}

/** The calendar day n days after day (n may be negative). */
export function addDays(day: string, n: number): string {
  const [y, m, d] = parseDay(day)
  const u = new Date(Date.UTC(y, m - 1, d + n))
  return `${pad(u.getUTCFullYear(), 4)}-${pad(u.getUTCMonth() + 1)}-${pad(u.getUTCDate())}`
}

/** Number of calendar days from a to b (b − a). */
export function dayDiff(a: string, b: string): number {
  const [y1, m1, d1] = parseDay(a)
  const [y2, m2, d2] = parseDay(b)
  return Math.round((Date.UTC(y2, m2 - 1, d2) - Date.UTC(y1, m1 - 1, d1)) / 86_400_000)
}

/** Every day from start to end, both included; empty when end < start. */
export function daysBetween(start: string, end: string): string[] {
  const n = dayDiff(start, end)
  const out: string[] = []
  for (let i = 0; i <= n; i++) out.push(addDays(start, i))
  return out
}

/** The day, in tz, that instant t falls in. */
export function dayOf(t: number, tz: string): string {
  const w = wall(t, tz)
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}`
}

/**
 * The first instant of day in tz: local midnight, or the first existing local
 * instant of the day where a DST jump skips midnight.
 */
export function dayStart(day: string, tz: string): number {
  const [y, m, d] = parseDay(day)
  const naive = Date.UTC(y, m - 1, d) / 1000 // midnight as if the zone were UTC
  // Two passes settle the offset on either side of a transition.
  let t = naive - zoneOffset(naive, tz)
  const off = zoneOffset(t, tz)
  t = naive - off
  // Where local midnight does not exist, t landed on the previous day or
  // after the gap: walk to the first instant whose local day is `day`.
  if (dayOf(t, tz) !== day) {
    if (dayOf(t, tz) < day) {
      while (dayOf(t, tz) < day) t += 900
      while (dayOf(t - 1, tz) === day) t -= 1
    }
  } else {
    while (dayOf(t - 900, tz) === day) t -= 900
  }
  return t
}

export interface Window {
  /** Unix seconds, included. */
  start: number
  /** Unix seconds, excluded. */
  end: number
}

/** The half-open window [start, end) of day in tz. */
export function dayWindow(day: string, tz: string): Window {
  return { start: dayStart(day, tz), end: dayStart(addDays(day, 1), tz) }
}

/** Today in tz at instant now (Unix seconds). */
export function today(tz: string, now: number = Date.now() / 1000): string {
  return dayOf(now, tz)
}

/** Yesterday in tz: the last day a nightly run has computed. */
export function yesterday(tz: string, now: number = Date.now() / 1000): string {
  return addDays(today(tz, now), -1)
}

/** "14:03:27" in tz. */
export function formatClock(t: number, tz: string, seconds = true): string {
  const w = wall(t, tz)
  return seconds ? `${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}` : `${pad(w.hour)}:${pad(w.minute)}`
}

/** "2026-11-20 14:03:27" in tz. */
export function formatInstant(t: number | null | undefined, tz: string, seconds = true): string {
  if (t === null || t === undefined) return '—'
  return `${dayOf(t, tz)} ${formatClock(t, tz, seconds)}`
}

/**
 * An instant inside a day, shown compactly: the clock when it falls on `day`,
 * the full date and clock otherwise (an interval running over midnight).
 */
export function formatInDay(t: number, day: string, tz: string): string {
  return dayOf(t, tz) === day ? formatClock(t, tz) : formatInstant(t, tz)
}

/** Parses "YYYY-MM-DDTHH:MM" (an <input type=datetime-local> value) as wall time in tz. */
export function parseLocal(value: string, tz: string): number | null {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value)
  if (!m || !isDay(m[1])) return null
  const [y, mo, d] = parseDay(m[1])
  const naive = Date.UTC(y, mo - 1, d, +m[2], +m[3], m[4] ? +m[4] : 0) / 1000
  let t = naive - zoneOffset(naive, tz)
  t = naive - zoneOffset(t, tz)
  return t
}

/** The <input type=datetime-local> value of instant t in tz. */
export function toLocalInput(t: number, tz: string): string {
  return `${dayOf(t, tz)}T${formatClock(t, tz, false)}`
}

/** The short weekday name of a day ("Mon"). */
export function weekday(day: string): string {
  const [y, m, d] = parseDay(day)
  return ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][new Date(Date.UTC(y, m - 1, d)).getUTCDay()]
}

/** "2026-12-01T23:40:00Z": instant t in RFC 3339, UTC, whole seconds (the API's from and to). */
export function isoOf(t: number): string {
  return new Date(Math.floor(t) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z')
}

/** Parses an RFC 3339 instant ("2026-12-01T23:40:00Z", "…+01:00") into Unix seconds; null if it is not one. */
export function parseIso(s: string | null | undefined): number | null {
  if (!s || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i.test(s)) return null
  const ms = Date.parse(s)
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : null
}

/** The longest window a root cause or an incident covers (the API's limit). */
export const MAX_WINDOW = 31 * 86400

/**
 * The window [from, to) of a URL's from and to (RFC 3339), or null when they
 * are absent, malformed, empty or longer than MAX_WINDOW.
 */
export function windowOfParams(params: URLSearchParams): Window | null {
  const start = parseIso(params.get('from'))
  const end = parseIso(params.get('to'))
  if (start === null || end === null || end <= start || end - start > MAX_WINDOW) return null
  return { start, end }
}
