// The monthly report (docs/report.md) as the UI shows it: which month the
// URL asks for, and what a node's outcome reads.
import type { MonthReportNode } from './api'

/** A month YYYY-MM from 1970 on. */
export function isMonth(s: string | null | undefined): s is string {
  return typeof s === 'string' && /^\d{4}-(0[1-9]|1[0-2])$/.test(s) && s >= '1970-01'
}

/**
 * The month a report shows: ?month= when it is a month that has started by
 * lastDay's month, else lastDay's (yesterday's: the previous month on the
 * 1st, complete).
 */
export function reportMonth(param: string | null, lastDay: string): string {
  const latest = lastDay.slice(0, 7)
  return isMonth(param) && param <= latest ? param : latest
}

/** The month before or after a month. */
export function addMonths(month: string, n: number): string {
  const [y, m] = month.split('-').map(Number)
  const t = new Date(Date.UTC(y, m - 1 + n, 1))
  return `${String(t.getUTCFullYear()).padStart(4, '0')}-${String(t.getUTCMonth() + 1).padStart(2, '0')}`
}

/** "December 2026" for 2026-12. */
export function monthName(month: string): string {
  const [y, m] = month.split('-').map(Number)
  return new Date(Date.UTC(y, m - 1, 1)).toLocaleString('en-GB', { month: 'long', year: 'numeric', timeZone: 'UTC' })
}

/** A node's outcome: met, missed, or unknown when nothing was counted. */
export function outcome(n: Pick<MonthReportNode, 'met'>): 'met' | 'missed' | 'unknown' {
  return n.met === null ? 'unknown' : n.met ? 'met' : 'missed'
}
