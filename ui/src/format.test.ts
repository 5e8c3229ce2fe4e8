import { describe, expect, it } from 'vitest'
import { formatDelta, formatDuration, formatInt, formatProgress, formatQos, formatShare, qosOf, roundQos } from './format'

describe('formatQos shows the API value as given', () => {
  it.each([
    [99.931, '99.931'],
    [100, '100'],
    [0, '0'],
    [99.93, '99.93'],
    [99.9, '99.9'],
    [97.917, '97.917'],
    [null, '—'],
    [undefined, '—'],
    [Number.NaN, '—'],
    // Not from a conforming API: rounded the way depc rounds.
    [99.93149, '99.931'],
    [1e-7, '0'],
  ])('%s → %s', (q, want) => {
    expect(formatQos(q as number | null)).toBe(want)
  })
})

describe('roundQos rounds like strconv.FormatFloat(x, f, 3, 64)', () => {
  it.each([
    [99.9305, 99.93], // the double is just below …05: rounds down
    [0.0625, 0.062], // exact binary tie → even
    [0.1875, 0.188], // exact binary tie → even (8)
    [2.5005, 2.501], // the double is just above …05
    [99.99999, 100],
    [-0.0625, -0.062],
    [100 * 86340 / 86400, 99.931],
    [100 * 84600 / 86400, 97.917],
  ])('%f → %f', (x, want) => {
    expect(roundQos(x)).toBe(want)
  })
})

describe('qosOf computes QoS from seconds', () => {
  it.each([
    [86340, 60, 99.931],
    [86220, 180, 99.792],
    [0, 86400, 0],
    [86400, 0, 100],
    [0, 0, null],
    // A 25-hour day: 90 000 s.
    [89940, 60, 99.933],
  ])('ok %i ko %i → %s', (ok, ko, want) => {
    expect(qosOf(ok, ko)).toBe(want)
  })
})

describe('durations', () => {
  it.each([
    [0, '0 s'], [45, '45 s'], [60, '1 min'], [125, '2 min 05 s'], [3600, '1 h'], [3720, '1 h 02 min'],
    [82800, '23 h'], [86400, '1 d'], [90000, '1 d 1 h'], [-60, '−1 min'], [null, '—'], [59.6, '1 min'],
  ])('%s s → %s', (s, want) => {
    expect(formatDuration(s as number | null)).toBe(want)
  })
})

describe('numbers', () => {
  it('groups digits with narrow spaces', () => {
    expect(formatInt(86400)).toBe('86\u202f400')
    expect(formatInt(1000000)).toBe('1\u202f000\u202f000')
    expect(formatInt(999)).toBe('999')
    expect(formatInt(-1234)).toBe('−1\u202f234')
    expect(formatInt(null)).toBe('—')
  })
  it('formats progress, deltas and shares', () => {
    expect(formatProgress(0.755)).toBe('75 %')
    expect(formatProgress(1.2)).toBe('100 %')
    expect(formatProgress(null)).toBe('—')
    expect(formatDelta(0.0123)).toBe('+0.012')
    expect(formatDelta(-1.5)).toBe('−1.5')
    expect(formatDelta(0.0001)).toBe('0')
    expect(formatShare(60, 180)).toBe('33.3 %')
    expect(formatShare(1, 0)).toBe('—')
  })
})
