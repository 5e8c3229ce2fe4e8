import { describe, expect, it } from 'vitest'
import type { AuditEntry, Me } from './api'
import { auditDoc, canManage, expiryOf, newestAuditFirst } from './access'

const me = (admin: boolean, grants: Me['grants'] = []): Me => ({ name: 'ann', admin, grants })

describe('canManage', () => {
  it('is true for admins and the team managers only', () => {
    expect(canManage(undefined, 'acme')).toBe(false)
    expect(canManage(me(true), 'acme')).toBe(true)
    expect(canManage(me(false, [{ team: 'acme', user: 'ann', role: 'manager' }]), 'acme')).toBe(true)
    expect(canManage(me(false, [{ team: 'acme', user: 'ann', role: 'manager' }]), 'beta')).toBe(false)
    expect(canManage(me(false, [{ team: 'acme', user: 'ann', role: 'editor' }]), 'acme')).toBe(false)
  })
})

describe('expiryOf', () => {
  const now = new Date(2026, 11, 6, 12, 0, 0).getTime()
  it('is null when empty: the token never expires', () => {
    expect(expiryOf('', now)).toBeNull()
    expect(expiryOf('  ', now)).toBeNull()
  })
  it('is the end of the day in the browser zone', () => {
    expect(expiryOf('2026-12-31', now)).toBe(Math.floor(new Date(2026, 11, 31, 23, 59, 59).getTime() / 1000))
    expect(expiryOf('2026-12-06', now)).toBe(Math.floor(new Date(2026, 11, 6, 23, 59, 59).getTime() / 1000))
  })
  it('refuses what is not a future day, naming the field', () => {
    expect(() => expiryOf('tomorrow', now)).toThrow(/^expires: "tomorrow" is not a day/)
    expect(() => expiryOf('2026-02-30', now)).toThrow(/not a day of the calendar/)
    expect(() => expiryOf('2026-12-05', now)).toThrow(/is past/)
  })
})

describe('audit', () => {
  const e = (id: number): AuditEntry => ({ id, at: 1000 + id, team: 'acme', user: 'ann', action: 'PUT /teams/{team}/grants/{user}', target: '/teams/acme/grants/bob', status: 200, before: null, after: { role: 'viewer' } })
  it('orders entries newest first', () => {
    expect(newestAuditFirst([e(2), e(9), e(5)]).map((x) => x.id)).toEqual([9, 5, 2])
  })
  it('shows documents as JSON and none as a dash', () => {
    expect(auditDoc(null)).toBe('—')
    expect(auditDoc({ role: 'viewer' })).toBe('{\n  "role": "viewer"\n}')
  })
})
