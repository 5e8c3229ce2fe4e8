import { describe, expect, it } from 'vitest'
import { matchersSelector, matchersText, parseMatchers } from './Matchers'

describe('enforced labels', () => {
  it('round-trips through the text form', () => {
    const ms = [
      { label: 'team', value: '{team}' },
      { label: 'env', value: 'a=b' },
    ]
    expect(parseMatchers(matchersText(ms))).toEqual(ms)
  })
  it('skips blank lines and trims', () => {
    expect(parseMatchers('\n team = acme \n\n')).toEqual([{ label: 'team', value: 'acme' }])
  })
  it('names the line of a bad entry', () => {
    expect(() => parseMatchers('team=a\nnope', 'grant')).toThrow('grant: line 2 must be label=value')
    expect(() => parseMatchers('=x')).toThrow('enforce: line 1')
  })
  it('writes a selector', () => {
    expect(matchersSelector([{ label: 'team', value: 'acme' }])).toBe('{team="acme"}')
    expect(matchersSelector([])).toBe('{}')
  })
})
