import { describe, expect, it } from 'vitest'
import { burnClass, formatBurn, formatRatio, objectiveText, ratioClass, windowText } from './budget'

describe('budgets in words', () => {
  it('names windows and objectives', () => {
    expect(windowText('rolling_30d')).toBe('rolling 30 days')
    expect(windowText('calendar_month')).toBe('calendar month')
    expect(windowText('weekly')).toBe('weekly')
    expect(objectiveText({ target: 99.9, window: 'rolling_7d' })).toBe('99.9 % over rolling 7 days')
  })
  it('writes remaining ratios', () => {
    expect(formatRatio(0.7685)).toBe('76.9 %')
    expect(formatRatio(1)).toBe('100.0 %')
    expect(formatRatio(-5.369)).toBe('−536.9 %')
    expect(formatRatio(null)).toBe('—')
    expect(ratioClass(-0.01)).toBe('exhausted')
    expect(ratioClass(0.1)).toBe('low')
    expect(ratioClass(0.5)).toBe('fine')
    expect(ratioClass(null)).toBe('none')
  })
  it('writes burn rates', () => {
    expect(formatBurn(6.944)).toBe('×6.94')
    expect(formatBurn(0)).toBe('×0')
    expect(formatBurn(null)).toBe('—')
    expect(burnClass('1h', 16.667)).toBe('fast')
    expect(burnClass('1h', 2)).toBe('slow')
    expect(burnClass('3d', 0.5)).toBe('')
    expect(burnClass('1d', null)).toBe('')
  })
})
