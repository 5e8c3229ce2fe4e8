// Who may see the access pages, and the small conversions they need
// (docs/security.md "Identity" and "Audit log").
import type { AuditEntry, Me, Role } from './api'

export const ROLES: Role[] = ['viewer', 'editor', 'manager']

/** True when the caller may manage team (grants, audit): an admin, or one of its managers. */
export function canManage(me: Me | undefined, team: string): boolean {
  if (!me) return false
  return me.admin || me.grants.some((g) => g.team === team && g.role === 'manager')
}

/**
 * The expires_at of a new token from the form's date input (YYYY-MM-DD, the
 * end of that day in the browser's zone): null when left empty (never
 * expires). Throws an Error naming the field when the day is not in the future.
 */
export function expiryOf(day: string, now = Date.now()): number | null {
  const d = day.trim()
  if (!d) return null
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(d)
  if (!m) throw new Error(`expires: ${JSON.stringify(d)} is not a day YYYY-MM-DD`)
  const end = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]), 23, 59, 59)
  if (end.getDate() !== Number(m[3])) throw new Error(`expires: ${d} is not a day of the calendar`)
  const t = Math.floor(end.getTime() / 1000)
  if (t * 1000 <= now) throw new Error(`expires: ${d} is past; choose a later day or none`)
  return t
}

/** Audit entries newest first (ids grow with every write), whatever order they came in. */
export function newestAuditFirst(entries: AuditEntry[]): AuditEntry[] {
  return [...entries].sort((a, b) => b.id - a.id)
}

/** A before/after document of the audit log as indented JSON; '—' for none. */
export function auditDoc(v: unknown): string {
  if (v === null || v === undefined) return '—'
  return JSON.stringify(v, null, 2)
}
