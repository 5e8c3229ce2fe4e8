// Day ranges (start and end days, both included) as they appear in URLs:
// ?start=2026-10-22&end=2026-11-20. A missing or invalid range falls back to
// the default: the last 30 days up to yesterday, the last day a nightly run
// has computed.

import { addDays, dayDiff, isDay, yesterday } from './time'

export interface DayRange {
  start: string
  end: string
}

export const DEFAULT_DAYS = 30
/** Longest range the UI asks for at once (a year and a day). */
export const MAX_DAYS = 366

export const PRESETS = [7, 30, 90, 365]

/** The range of the n days ending at end. */
export function lastDays(n: number, end: string): DayRange {
  return { start: addDays(end, -(n - 1)), end }
}

export function defaultRange(tz: string, now?: number): DayRange {
  return lastDays(DEFAULT_DAYS, yesterday(tz, now))
}

/**
 * The range given by URL parameters, repaired: start and end swapped when
 * reversed, clipped to MAX_DAYS (keeping the end), defaults for what is missing.
 */
export function rangeFromParams(params: URLSearchParams, tz: string, now?: number): DayRange {
  const def = defaultRange(tz, now)
  const s = params.get('start')
  const e = params.get('end')
  let start = isDay(s) ? s : null
  let end = isDay(e) ? e : null
  if (!start && !end) return def
  if (!end) end = start && dayDiff(start, def.end) >= 0 ? def.end : addDays(start!, DEFAULT_DAYS - 1)
  if (!start) start = addDays(end, -(DEFAULT_DAYS - 1))
  if (dayDiff(start, end) < 0) [start, end] = [end, start]
  if (dayDiff(start, end) >= MAX_DAYS) start = addDays(end, -(MAX_DAYS - 1))
  return { start, end }
}

/** Number of days in the range. */
export function rangeLength(r: DayRange): number {
  return dayDiff(r.start, r.end) + 1
}

/** The preset length (in days) the range matches when it ends at end, or null. */
export function presetOf(r: DayRange, end: string): number | null {
  if (r.end !== end) return null
  const n = rangeLength(r)
  return PRESETS.includes(n) ? n : null
}

/** The range query string for the API: start=…&end=… */
export function rangeQuery(r: DayRange): string {
  return `start=${r.start}&end=${r.end}`
}

/** The longest range of a node export (the API's MaxNodeExportDays). */
export const MAX_EXPORT_DAYS = 31

/** The range, or its last max days when it is longer. */
export function clipRange(r: DayRange, max: number): DayRange {
  return rangeLength(r) > max ? { start: addDays(r.end, -(max - 1)), end: r.end } : r
}
