// The dashboard's state kept in its URL (docs/overview.md): the day whose
// worst nodes it shows (?day=, picked on the chart) and how many per label
// (?worst=), so that a view can be shared as a link.
import { isDay } from './time'

/** How many worst nodes per label the dashboard can show (the API allows up to 1000). */
export const WORST_LIMITS = [5, 10, 25, 50, 100]
export const DEFAULT_WORST = 5

/** The day whose worst nodes the dashboard shows: ?day= when it is a day up to lastDay, else lastDay. */
export function pickedDay(params: URLSearchParams, lastDay: string): string {
  const d = params.get('day')
  return isDay(d) && d <= lastDay ? d : lastDay
}

/** How many worst nodes to show: ?worst= when it is one of WORST_LIMITS, else DEFAULT_WORST. */
export function worstLimit(params: URLSearchParams): number {
  const n = Number(params.get('worst'))
  return WORST_LIMITS.includes(n) ? n : DEFAULT_WORST
}
