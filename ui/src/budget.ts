// Error budgets as the UI shows them (docs/objectives.md): the API computes
// every figure; these helpers only say them in words.
import type { ObjectiveWindow } from './api'
import { formatDuration } from './format'

export const WINDOWS: { value: ObjectiveWindow; text: string }[] = [
  { value: 'rolling_7d', text: 'rolling 7 days' },
  { value: 'rolling_28d', text: 'rolling 28 days' },
  { value: 'rolling_30d', text: 'rolling 30 days' },
  { value: 'calendar_month', text: 'calendar month' },
]

/** "rolling 30 days" for rolling_30d. */
export function windowText(w: string): string {
  return WINDOWS.find((x) => x.value === w)?.text ?? w
}

/** An objective as text: "99.9 % over rolling 30 days". */
export function objectiveText(o: { target: number; window: string }): string {
  return `${o.target} % over ${windowText(o.window)}`
}

/** A remaining ratio as a percentage of the budget: "76.9 %", "−12.0 %", "—". */
export function formatRatio(r: number | null | undefined): string {
  if (r === null || r === undefined || !Number.isFinite(r)) return '—'
  const v = Math.round(r * 1000) / 10
  return `${v < 0 ? '−' : ''}${Math.abs(v).toFixed(1)} %`
}

/** How a remaining ratio reads: spent (below 0), low (below a quarter) or fine. */
export function ratioClass(r: number | null | undefined): 'exhausted' | 'low' | 'fine' | 'none' {
  if (r === null || r === undefined || !Number.isFinite(r)) return 'none'
  if (r < 0) return 'exhausted'
  if (r < 0.25) return 'low'
  return 'fine'
}

/** A burn rate: "×14.4", "×0", "—" (nothing counted in the lookback). */
export function formatBurn(b: number | null | undefined): string {
  if (b === null || b === undefined || !Number.isFinite(b)) return '—'
  return `×${Math.round(b * 100) / 100}`
}

/** Fast burns, as the SRE workbook pages on them: 14.4 over 1 h, 6 over 6 h. */
export function burnClass(lookback: '1h' | '6h' | '1d' | '3d', b: number | null | undefined): 'fast' | 'slow' | '' {
  if (b === null || b === undefined) return ''
  const page = { '1h': 14.4, '6h': 6, '1d': 3, '3d': 1 }[lookback]
  if (b >= page) return 'fast'
  return b > 1 ? 'slow' : ''
}

/** Seconds of budget as text; negative when overspent. */
export function formatBudget(seconds: number | null | undefined): string {
  return formatDuration(seconds)
}
