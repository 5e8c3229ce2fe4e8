// Computations on QoS series for display: pure functions, unit-tested,
// shared by the pages and charts.

import type { DayQos, TeamQos } from './api'
import { qosOf, roundQos } from './format'
import { dayOf, formatClock } from './time'

export interface LabelSummary {
  label: string
  values: (number | null)[]
  latest: { day: string; qos: number } | null
  previous: { day: string; qos: number } | null
}

/** Per label: the daily averages aligned on days, the latest known value and the one before. */
export function summarise(data: TeamQos, days: string[]): LabelSummary[] {
  return Object.keys(data.labels)
    .sort()
    .map((label) => {
      const byDay = new Map(data.labels[label].map((d) => [d.day, d.qos]))
      const values = days.map((d) => byDay.get(d) ?? null)
      const known = days.map((d, i) => ({ day: d, qos: values[i] })).filter((v): v is { day: string; qos: number } => v.qos !== null)
      return { label, values, latest: known[known.length - 1] ?? null, previous: known[known.length - 2] ?? null }
    })
}

export interface RangeStats {
  /** QoS over the whole range: from ok/ko seconds, or the mean of daily values for aggregation nodes. */
  qos: number | null
  /** Whether qos came from seconds (exact) or from a mean of days. */
  exact: boolean
  worst: { day: string; qos: number } | null
  latest: { day: string; qos: number | null } | null
}

/** A node's QoS over a range from its daily results. */
export function rangeStats(days: DayQos[]): RangeStats {
  let ok = 0
  let ko = 0
  let seconds = true
  const values: number[] = []
  let worst: RangeStats['worst'] = null
  for (const d of days) {
    if (d.ok === null || d.ko === null) seconds = false
    else {
      ok += d.ok
      ko += d.ko
    }
    if (d.qos !== null) {
      values.push(d.qos)
      if (!worst || d.qos < worst.qos) worst = { day: d.day, qos: d.qos }
    }
  }
  const last = days[days.length - 1]
  const latest = last ? { day: last.day, qos: last.qos } : null
  if (seconds && days.length > 0) return { qos: qosOf(ok, ko), exact: true, worst, latest }
  const mean = values.length ? roundQos(values.reduce((a, b) => a + b, 0) / values.length) : null
  return { qos: mean, exact: false, worst, latest }
}

/** Horizontal lines for a check's threshold ("20") or interval ("200:299"). */
export function thresholdLines(type: string | undefined, threshold: string | undefined): { value: number; label: string }[] {
  if (!threshold) return []
  const parts = threshold.split(':').map(Number)
  if (parts.some((p) => !Number.isFinite(p))) return []
  if (parts.length === 2 || type === 'Interval') return parts.map((p, i) => ({ value: p, label: i === 0 ? `min ${p}` : `max ${p}` }))
  return [{ value: parts[0], label: `threshold ${parts[0]}` }]
}

/** Height of a bar in "nines": 0 → 0, 90 → 1, 99 → 2 … 99.999 and 100 → 5 (full). */
export function nines(q: number): number {
  if (q >= 100) return 5
  const bad = Math.max(100 - q, 0.001)
  return Math.max(0, Math.min(5, 2 - Math.log10(bad)))
}

/** The y range of a QoS chart: a little below the lowest value, up to 100. */
export function qosRange(min: number | null, max: number | null): [number, number] {
  if (min === null || max === null || !Number.isFinite(min)) return [0, 100]
  const hi = Math.max(100, max)
  const span = Math.max(hi - min, 0.01)
  const lo = Math.max(0, min - span * 0.15)
  return [lo, hi]
}

export function tickLabel(t: number, incr: number, tz: string, first: boolean): string {
  const day = dayOf(t, tz)
  if (incr >= 86400) return first || day.endsWith('-01-01') ? `${day.slice(5)}\n${day.slice(0, 4)}` : day.slice(5)
  const clock = formatClock(t, tz, false)
  return first || clock === '00:00' ? `${clock}\n${day.slice(5)}` : clock
}
