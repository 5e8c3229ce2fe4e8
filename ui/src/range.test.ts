import { describe, expect, it } from 'vitest'
import { defaultRange, presetOf, rangeFromParams, rangeLength, rangeQuery } from './range'

const now = Date.UTC(2026, 10, 21, 10) / 1000 // 2026-11-21 in UTC and Paris

describe('ranges from the URL', () => {
  it('defaults to the 30 days up to yesterday', () => {
    expect(defaultRange('UTC', now)).toEqual({ start: '2026-10-22', end: '2026-11-20' })
    expect(rangeLength(defaultRange('UTC', now))).toBe(30)
  })
  it.each([
    ['', { start: '2026-10-22', end: '2026-11-20' }],
    ['start=2026-11-01&end=2026-11-10', { start: '2026-11-01', end: '2026-11-10' }],
    ['start=2026-11-10&end=2026-11-01', { start: '2026-11-01', end: '2026-11-10' }],
    ['start=2026-11-01', { start: '2026-11-01', end: '2026-11-20' }],
    ['end=2026-11-10', { start: '2026-10-12', end: '2026-11-10' }],
    ['start=2020-01-01&end=2026-11-20', { start: '2025-11-20', end: '2026-11-20' }],
    ['start=bad&end=2026-13-01', { start: '2026-10-22', end: '2026-11-20' }],
  ])('%s', (q, want) => {
    expect(rangeFromParams(new URLSearchParams(q), 'Europe/Paris', now)).toEqual(want)
  })
  it('recognises presets and writes the API query', () => {
    expect(presetOf({ start: '2026-11-14', end: '2026-11-20' }, '2026-11-20')).toBe(7)
    expect(presetOf({ start: '2026-11-13', end: '2026-11-20' }, '2026-11-20')).toBeNull()
    expect(rangeQuery({ start: '2026-11-14', end: '2026-11-20' })).toBe('start=2026-11-14&end=2026-11-20')
  })
})
