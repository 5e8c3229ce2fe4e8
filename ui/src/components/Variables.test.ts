import { describe, expect, it } from 'vitest'
import { fromLines, toLines } from './Variables'

describe('variables as NAME=value lines', () => {
  it('round-trips, sorted, values keep = and spaces', () => {
    const v = { env: 'prod', q: 'a=b c', empty: '' }
    expect(toLines(v)).toBe('empty=\nenv=prod\nq=a=b c')
    expect(fromLines(toLines(v))).toEqual(v)
  })
  it('skips blank lines and refuses a line without a name', () => {
    expect(fromLines('\n a=1\n\n')).toEqual({ a: '1' })
    expect(() => fromLines('x')).toThrow(/line 1/)
    expect(() => fromLines('=x')).toThrow(/line 1/)
  })
})
