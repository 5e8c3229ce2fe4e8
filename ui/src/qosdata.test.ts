import { describe, expect, it } from 'vitest'
import type { DayQos } from './api'
import { nines, qosRange, rangeStats, summarise, thresholdLines, tickLabel } from './qosdata'

const day = (d: string, qos: number | null, ok: number | null, ko: number | null): DayQos => ({ day: d, qos, ok, ko, unknown: ok === null ? null : 0, downtime: ok === null ? null : [] })

describe('label summaries for the dashboard', () => {
  it('aligns days, keeps gaps, finds the latest known value and the one before', () => {
    const s = summarise(
      { labels: { Website: [{ day: '2026-11-18', qos: 99.5 }, { day: '2026-11-20', qos: null }, { day: '2026-11-19', qos: 98.25 }], Filer: [] } },
      ['2026-11-17', '2026-11-18', '2026-11-19', '2026-11-20'],
    )
    expect(s.map((x) => x.label)).toEqual(['Filer', 'Website'])
    expect(s[1].values).toEqual([null, 99.5, 98.25, null])
    expect(s[1].latest).toEqual({ day: '2026-11-19', qos: 98.25 })
    expect(s[1].previous).toEqual({ day: '2026-11-18', qos: 99.5 })
    expect(s[0].latest).toBeNull()
  })
})

describe('a node over a range', () => {
  it('is exact from seconds when every day has a timeline, including DST days', () => {
    const r = rangeStats([day('2026-10-24', 99.931, 86340, 60), day('2026-10-25', 100, 90000, 0), day('2026-10-26', 97.917, 84600, 1800)])
    // 100 × (86340 + 90000 + 84600) / (86400 + 90000 + 86400)
    expect(r).toEqual({ qos: 99.292, exact: true, worst: { day: '2026-10-26', qos: 97.917 }, latest: { day: '2026-10-26', qos: 97.917 } })
  })
  it('ignores unknown time and days with nothing known', () => {
    const r = rangeStats([day('2026-11-01', null, 0, 0), { ...day('2026-11-02', 50, 100, 100), unknown: 86200 }])
    expect(r.qos).toBe(50)
    expect(r.latest).toEqual({ day: '2026-11-02', qos: 50 })
  })
  it('falls back to the mean of days for aggregation nodes (no seconds)', () => {
    const r = rangeStats([day('2026-11-01', 99, null, null), day('2026-11-02', 98, null, null), day('2026-11-03', null, null, null)])
    expect(r).toMatchObject({ qos: 98.5, exact: false, worst: { day: '2026-11-02', qos: 98 } })
  })
  it('has nothing for no day', () => {
    expect(rangeStats([])).toEqual({ qos: null, exact: false, worst: null, latest: null })
  })
})

describe('chart helpers', () => {
  it.each([
    [100, 5], [99.999, 5], [99.99, 4], [99.9, 3], [99, 2], [90, 1], [0, 0],
  ])('nines(%f) = %f', (q, want) => {
    expect(nines(q)).toBeCloseTo(want, 9)
  })
  it('draws QoS from below the lowest value up to 100', () => {
    expect(qosRange(99, 100)).toEqual([98.85, 100])
    const [lo, hi] = qosRange(99.792, 99.792)
    expect(hi).toBe(100)
    expect(lo).toBeLessThan(99.792)
    expect(qosRange(null, null)).toEqual([0, 100])
    expect(qosRange(0, 1)[0]).toBe(0)
  })
  it('reads thresholds and intervals for the datapoints chart', () => {
    expect(thresholdLines('Threshold', '20')).toEqual([{ value: 20, label: 'threshold 20' }])
    expect(thresholdLines('Interval', '200:299')).toEqual([{ value: 200, label: 'min 200' }, { value: 299, label: 'max 299' }])
    expect(thresholdLines('Threshold', '-3.5')).toEqual([{ value: -3.5, label: 'threshold -3.5' }])
    expect(thresholdLines('Threshold', 'abc')).toEqual([])
    expect(thresholdLines(undefined, undefined)).toEqual([])
  })
  it('labels time axes in the team zone', () => {
    const t = Date.UTC(2026, 10, 20, 23) / 1000 // midnight on the 21st in Paris
    expect(tickLabel(t, 3600, 'Europe/Paris', false)).toBe('00:00\n11-21')
    expect(tickLabel(t + 7200, 3600, 'Europe/Paris', false)).toBe('02:00')
    expect(tickLabel(t, 86400, 'Europe/Paris', true)).toBe('11-21\n2026')
    expect(tickLabel(t + 86400, 86400, 'Europe/Paris', false)).toBe('11-22')
  })
})
