import { describe, expect, it } from 'vitest'
import { coveredSeconds, hourTicks, intersect, segments, xOf } from './timeline'
import { dayWindow } from './time'

describe('KO segments over a day', () => {
  const S = 1595980800
  const day = { start: S, end: S + 86400 }
  it('places an interval proportionally', () => {
    // KO [S+13200, S+13260) on 864 px: 1 px per 100 s.
    expect(segments([{ from: S + 13200, to: S + 13260 }], day, 864, 0)).toEqual([
      { x: 132, width: 0.6000000000000227, from: S + 13200, to: S + 13260 },
    ])
  })
  it('widens short outages to the minimum width', () => {
    const [s] = segments([{ from: S + 13200, to: S + 13260 }], day, 864, 2)
    expect(s.x).toBe(132)
    expect(s.width).toBe(2)
  })
  it('keeps a widened segment at the right edge inside the drawing', () => {
    const [s] = segments([{ from: S + 86399, to: S + 86400 }], day, 864, 3)
    expect(s.x + s.width).toBe(864)
  })
  it('clips to the window and drops what lies outside', () => {
    const got = segments(
      [
        { from: S + 80000, to: S + 90000 },
        { from: S - 100, to: S + 100 },
        { from: S - 500, to: S - 100 },
        { from: S + 86400, to: S + 90000 },
        { from: S + 10, to: S + 10 },
      ],
      day, 864, 0)
    expect(got.map((g) => [g.from, g.to])).toEqual([[S, S + 100], [S + 80000, S + 86400]])
    expect(got[1].x + got[1].width).toBeCloseTo(864, 9)
  })
  it('runs an open interval to the end of the window', () => {
    const [s] = segments([{ from: S + 43200, to: null }], day, 800)
    expect(s).toEqual({ x: 400, width: 400, from: S + 43200, to: S + 86400 })
  })
  it('sorts segments by time', () => {
    const got = segments([{ from: S + 500, to: S + 600 }, { from: S + 100, to: S + 200 }], day, 864)
    expect(got.map((g) => g.from)).toEqual([S + 100, S + 500])
  })
  it('returns nothing for an empty window or no width', () => {
    expect(segments([{ from: S, to: S + 10 }], { start: S, end: S }, 864)).toEqual([])
    expect(segments([{ from: S, to: S + 10 }], day, 0)).toEqual([])
  })
})

describe('DST days keep their real length', () => {
  const tz = 'Europe/Paris'
  it('a 23-hour day maps 82 800 s onto the full width', () => {
    const w = dayWindow('2026-03-29', tz)
    expect(w.end - w.start).toBe(82800)
    // Local 12:00 is 11 h after midnight on that day (02:00 does not exist):
    // 0.01 px per second.
    const noon = w.start + 11 * 3600
    expect(xOf(noon, w, 828)).toBe(396)
    const [s] = segments([{ from: w.start + 41400, to: w.end }], w, 828)
    expect(s.x).toBe(414)
    expect(s.width).toBe(414)
    const labels = hourTicks(w, tz, 828, 30).map((t) => t.label)
    expect(labels).not.toContain('02:00')
    expect(labels.slice(0, 4)).toEqual(['00:00', '01:00', '03:00', '04:00'])
    expect(labels).toHaveLength(23)
  })
  it('a 25-hour day maps 90 000 s onto the full width', () => {
    const w = dayWindow('2026-10-25', tz)
    expect(w.end - w.start).toBe(90000)
    const [s] = segments([{ from: w.start + 45000, to: w.start + 46800 }], w, 900)
    expect(s.x).toBe(450)
    expect(s.width).toBe(18)
    const ticks = hourTicks(w, tz, 900, 30)
    expect(ticks).toHaveLength(25)
    expect(ticks.filter((t) => t.label === '02:00')).toHaveLength(2)
    // Every tick is exactly one real hour after the previous one.
    for (let i = 1; i < ticks.length; i++) expect(ticks[i].t - ticks[i - 1].t).toBe(3600)
  })
  it('chooses a coarser tick step when space is short', () => {
    const w = dayWindow('2026-11-20', tz)
    expect(hourTicks(w, tz, 300, 100).map((t) => t.label)).toEqual(['00:00', '12:00'])
    expect(hourTicks(w, tz, 600, 100).map((t) => t.label)).toEqual(['00:00', '04:00', '08:00', '12:00', '16:00', '20:00'])
  })
})

describe('interval arithmetic for root causes', () => {
  it('intersects and measures', () => {
    const node = [{ from: 100, to: 200 }, { from: 300, to: 400 }]
    const cause = [{ from: 150, to: 350 }]
    expect(intersect(node, cause)).toEqual([{ from: 150, to: 200 }, { from: 300, to: 350 }])
    expect(coveredSeconds(intersect(node, cause), { start: 0, end: 1000 })).toBe(100)
    expect(coveredSeconds([{ from: 0, to: 50 }, { from: 25, to: 75 }, { from: 100, to: null }], { start: 0, end: 120 })).toBe(95)
  })
})
