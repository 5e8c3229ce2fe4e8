// Geometry of timelines: KO intervals and hour ticks laid over a window.
//
// Pure functions, so the drawing is tested without a browser. A window is
// half-open [start, end) in Unix seconds and is mapped linearly onto
// [0, width) pixels: a DST day of 82 800 s or 90 000 s gets the same width as
// any other day, and its hours are correspondingly wider or narrower.

import type { Window } from './time'
import { wall } from './time'

export interface Interval {
  from: number
  /** null = open (runs past the window). */
  to: number | null
}

export interface Segment {
  /** Left edge in pixels. */
  x: number
  /** Width in pixels (at least minWidth, so a one-second outage stays visible). */
  width: number
  /** The interval clipped to the window, in Unix seconds. */
  from: number
  to: number
}

/** The x position (pixels) of instant t in window w drawn over width pixels, clamped to the window. */
export function xOf(t: number, w: Window, width: number): number {
  const len = w.end - w.start
  if (len <= 0) return 0
  const c = Math.min(w.end, Math.max(w.start, t))
  return ((c - w.start) / len) * width
}

/**
 * The segments of intervals inside window w drawn over width pixels: clipped
 * to the window, empty ones dropped, sorted, each at least minWidth wide and
 * kept inside [0, width].
 */
export function segments(intervals: readonly Interval[], w: Window, width: number, minWidth = 1): Segment[] {
  const out: Segment[] = []
  if (w.end <= w.start || width <= 0) return out
  for (const iv of intervals) {
    const from = Math.max(iv.from, w.start)
    const to = Math.min(iv.to ?? Infinity, w.end)
    if (to <= from) continue
    const x = xOf(from, w, width)
    let wd = xOf(to, w, width) - x
    let left = x
    if (wd < minWidth) {
      wd = Math.min(minWidth, width)
      left = Math.min(left, width - wd)
    }
    out.push({ x: left, width: wd, from, to })
  }
  out.sort((a, b) => a.from - b.from)
  return out
}

/** Total seconds of the intervals inside window w (overlaps counted once). */
export function coveredSeconds(intervals: readonly Interval[], w: Window): number {
  const clipped = intervals
    .map((iv) => [Math.max(iv.from, w.start), Math.min(iv.to ?? Infinity, w.end)] as const)
    .filter(([a, b]) => b > a)
    .sort((a, b) => a[0] - b[0])
  let total = 0
  let curA = -Infinity
  let curB = -Infinity
  for (const [a, b] of clipped) {
    if (a > curB) {
      if (curB > curA) total += curB - curA
      curA = a
      curB = b
    } else if (b > curB) {
      curB = b
    }
  }
  if (curB > curA) total += curB - curA
  return total
}

/** The intersection of two sets of intervals, sorted (for "cause KO while node KO"). */
export function intersect(a: readonly Interval[], b: readonly Interval[]): Interval[] {
  const out: Interval[] = []
  for (const x of a) {
    for (const y of b) {
      const from = Math.max(x.from, y.from)
      const to = Math.min(x.to ?? Infinity, y.to ?? Infinity)
      if (to > from) out.push({ from, to: Number.isFinite(to) ? to : null })
    }
  }
  return out.sort((p, q) => p.from - q.from)
}

export interface Tick {
  x: number
  t: number
  /** "06:00" in the zone. */
  label: string
}

/**
 * Ticks at local whole hours that are multiples of a step chosen so that
 * labels stay at least minGap pixels apart. A tick is placed where the local
 * clock shows hh:00, so on a spring-forward day the skipped hour has no tick
 * and on a fall-back day the repeated hour may have two.
 */
export function hourTicks(w: Window, tz: string, width: number, minGap = 48): Tick[] {
  const len = w.end - w.start
  if (len <= 0 || width <= 0) return []
  const hours = len / 3600
  const steps = [1, 2, 3, 4, 6, 12, 24]
  let step = steps.find((s) => (width / hours) * s >= minGap) ?? 24
  if (hours > 24 * 3) step = 24
  const ticks: Tick[] = []
  // Start on the first whole hour of the window in the zone.
  const first = wall(w.start, tz)
  let t = w.start - first.minute * 60 - first.second
  if (t < w.start) t += 3600
  for (; t < w.end; t += 3600) {
    const h = wall(t, tz)
    if (h.minute !== 0) continue // zones with :30 offsets change mid-hour; skip
    if (h.hour % step !== 0) continue
    ticks.push({ x: xOf(t, w, width), t, label: `${String(h.hour).padStart(2, '0')}:00` })
  }
  return ticks
}
