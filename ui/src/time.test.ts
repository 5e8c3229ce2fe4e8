import { describe, expect, it } from 'vitest'
import {
  addDays, dayDiff, dayOf, dayStart, dayWindow, daysBetween, formatClock, formatInDay, formatInstant,
  isDay, parseLocal, toLocalInput, today, yesterday, zoneOffset,
} from './time'

describe('day windows in a zone', () => {
  const cases: { tz: string; day: string; start: number; length: number }[] = [
    { tz: 'UTC', day: '2020-07-29', start: 1595980800, length: 86400 },
    { tz: 'Europe/Paris', day: '2026-07-01', start: Date.UTC(2026, 5, 30, 22) / 1000, length: 86400 },
    // Spring forward: 02:00 → 03:00, a 23-hour day.
    { tz: 'Europe/Paris', day: '2026-03-29', start: Date.UTC(2026, 2, 28, 23) / 1000, length: 82800 },
    // Fall back: 03:00 → 02:00, a 25-hour day.
    { tz: 'Europe/Paris', day: '2026-10-25', start: Date.UTC(2026, 9, 24, 22) / 1000, length: 90000 },
    { tz: 'America/New_York', day: '2026-03-08', start: Date.UTC(2026, 2, 8, 5) / 1000, length: 82800 },
    { tz: 'America/New_York', day: '2026-11-01', start: Date.UTC(2026, 10, 1, 4) / 1000, length: 90000 },
    { tz: 'Asia/Kolkata', day: '2026-01-15', start: Date.UTC(2026, 0, 14, 18, 30) / 1000, length: 86400 },
    // Chile skips local midnight: the day starts at 01:00.
    { tz: 'America/Santiago', day: '2026-09-06', start: 1788667200, length: 82800 },
  ]
  for (const c of cases) {
    it(`${c.tz} ${c.day} is [${c.start}, +${c.length})`, () => {
      expect(dayStart(c.day, c.tz)).toBe(c.start)
      const w = dayWindow(c.day, c.tz)
      expect(w).toEqual({ start: c.start, end: c.start + c.length })
      expect(dayOf(w.start, c.tz)).toBe(c.day)
      expect(dayOf(w.end - 1, c.tz)).toBe(c.day)
      expect(dayOf(w.end, c.tz)).toBe(addDays(c.day, 1))
    })
  }
})

describe('calendar arithmetic', () => {
  it.each([
    ['2026-11-20', 1, '2026-11-21'],
    ['2026-12-31', 1, '2027-01-01'],
    ['2024-02-28', 1, '2024-02-29'],
    ['2025-02-28', 1, '2025-03-01'],
    ['2026-03-01', -1, '2026-02-28'],
    ['2026-11-20', -29, '2026-10-22'],
  ])('addDays(%s, %i) = %s', (d, n, want) => {
    expect(addDays(d, n)).toBe(want)
  })
  it('counts days across DST and years', () => {
    expect(dayDiff('2026-03-28', '2026-03-30')).toBe(2)
    expect(dayDiff('2026-12-30', '2027-01-02')).toBe(3)
    expect(dayDiff('2026-01-02', '2026-01-01')).toBe(-1)
    expect(daysBetween('2026-10-30', '2026-11-02')).toEqual(['2026-10-30', '2026-10-31', '2026-11-01', '2026-11-02'])
    expect(daysBetween('2026-11-02', '2026-11-01')).toEqual([])
  })
  it.each([
    ['2026-11-20', true], ['2024-02-29', true], ['2025-02-29', false], ['2026-13-01', false],
    ['2026-1-01', false], ['', false], ['2026-11-20T00', false],
  ])('isDay(%s) = %s', (s, want) => {
    expect(isDay(s)).toBe(want)
  })
})

describe('today and yesterday follow the team zone, not the browser', () => {
  // 2026-11-20 23:30 UTC is already the 21st in Paris and still the 20th in New York.
  const now = Date.UTC(2026, 10, 20, 23, 30) / 1000
  it.each([
    ['UTC', '2026-11-20', '2026-11-19'],
    ['Europe/Paris', '2026-11-21', '2026-11-20'],
    ['America/New_York', '2026-11-20', '2026-11-19'],
    ['Pacific/Kiritimati', '2026-11-21', '2026-11-20'],
  ])('%s', (tz, t, y) => {
    expect(today(tz, now)).toBe(t)
    expect(yesterday(tz, now)).toBe(y)
  })
})

describe('instants shown in the team zone', () => {
  const t = Date.UTC(2026, 2, 29, 1, 0, 5) / 1000 // 03:00:05 in Paris, just after the jump
  it('formats clock and date', () => {
    expect(formatClock(t, 'Europe/Paris')).toBe('03:00:05')
    expect(formatClock(t, 'UTC', false)).toBe('01:00')
    expect(formatInstant(t, 'Europe/Paris')).toBe('2026-03-29 03:00:05')
    expect(formatInstant(null, 'UTC')).toBe('—')
    expect(zoneOffset(t, 'Europe/Paris')).toBe(7200)
    expect(zoneOffset(t - 3600, 'Europe/Paris')).toBe(3600)
  })
  it('shows the date only when the instant leaves the day', () => {
    const w = dayWindow('2026-11-20', 'Europe/Paris')
    expect(formatInDay(w.start + 3600, '2026-11-20', 'Europe/Paris')).toBe('01:00:00')
    expect(formatInDay(w.end, '2026-11-20', 'Europe/Paris')).toBe('2026-11-21 00:00:00')
  })
  it('round-trips datetime-local input values', () => {
    expect(parseLocal('2026-10-25T12:30', 'Europe/Paris')).toBe(Date.UTC(2026, 9, 25, 11, 30) / 1000)
    expect(parseLocal('2026-07-01T00:00', 'Europe/Paris')).toBe(Date.UTC(2026, 5, 30, 22) / 1000)
    expect(toLocalInput(Date.UTC(2026, 9, 25, 11, 30) / 1000, 'Europe/Paris')).toBe('2026-10-25T12:30')
    expect(parseLocal('2026-02-30T00:00', 'UTC')).toBeNull()
    expect(parseLocal('nonsense', 'UTC')).toBeNull()
  })
})
