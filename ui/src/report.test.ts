import { describe, expect, it } from 'vitest'
import { addMonths, isMonth, monthName, outcome, reportMonth } from './report'
import { DEFAULT_WORST, pickedDay, worstLimit } from './overview'
import { clipRange } from './range'
import { dispositionName } from './api'

describe('monthly report', () => {
  it('reads the month of the URL when it has started, else yesterday\'s', () => {
    expect(reportMonth(null, '2026-12-05')).toBe('2026-12')
    expect(reportMonth('2026-11', '2026-12-05')).toBe('2026-11')
    expect(reportMonth('2027-01', '2026-12-05')).toBe('2026-12')
    expect(reportMonth('2026-13', '2026-12-05')).toBe('2026-12')
    expect(reportMonth('2026-1', '2026-12-05')).toBe('2026-12')
    // On the 1st, yesterday is the previous month: the report is complete.
    expect(reportMonth(null, '2026-11-30')).toBe('2026-11')
  })

  it('knows months', () => {
    expect(isMonth('1970-01')).toBe(true)
    expect(isMonth('1969-12')).toBe(false)
    expect(isMonth('2026-00')).toBe(false)
    expect(isMonth('')).toBe(false)
    expect(addMonths('2026-12', 1)).toBe('2027-01')
    expect(addMonths('2026-01', -1)).toBe('2025-12')
    expect(monthName('2026-12')).toBe('December 2026')
  })

  it('says met, missed, or unknown when nothing was counted', () => {
    expect(outcome({ met: true })).toBe('met')
    expect(outcome({ met: false })).toBe('missed')
    expect(outcome({ met: null })).toBe('unknown')
  })
})

describe('dashboard URL state', () => {
  const p = (q: string) => new URLSearchParams(q)
  it('shows the worst nodes of the day picked, yesterday otherwise', () => {
    expect(pickedDay(p(''), '2026-12-05')).toBe('2026-12-05')
    expect(pickedDay(p('day=2026-11-20'), '2026-12-05')).toBe('2026-11-20')
    expect(pickedDay(p('day=2026-12-06'), '2026-12-05')).toBe('2026-12-05')
    expect(pickedDay(p('day=yesterday'), '2026-12-05')).toBe('2026-12-05')
  })

  it('shows as many worst nodes as asked among the choices, 5 otherwise', () => {
    expect(worstLimit(p(''))).toBe(DEFAULT_WORST)
    expect(worstLimit(p('worst=25'))).toBe(25)
    expect(worstLimit(p('worst=100'))).toBe(100)
    expect(worstLimit(p('worst=1001'))).toBe(DEFAULT_WORST)
    expect(worstLimit(p('worst=abc'))).toBe(DEFAULT_WORST)
  })
})

describe('downloads', () => {
  it('export at most the last 31 days of a range', () => {
    expect(clipRange({ start: '2026-11-06', end: '2026-12-05' }, 31)).toEqual({ start: '2026-11-06', end: '2026-12-05' })
    expect(clipRange({ start: '2026-09-07', end: '2026-12-05' }, 31)).toEqual({ start: '2026-11-05', end: '2026-12-05' })
  })

  it('name the file as the API says, never with a path', () => {
    expect(dispositionName('attachment; filename="qos-labels-2026-11-06-2026-12-05.csv"')).toBe('qos-labels-2026-11-06-2026-12-05.csv')
    expect(dispositionName('attachment; filename=report.csv')).toBe('report.csv')
    expect(dispositionName('attachment; filename="../x.csv"')).toBeNull()
    expect(dispositionName(null)).toBeNull()
  })
})
