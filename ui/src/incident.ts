// Helpers of the incident view, pure so that they are tested without a
// browser.

import type { Interval, Leaf } from './api'
import { isoOf } from './time'

/**
 * The stretches during which a leaf's KO datapoints held (its evidence),
 * sorted and merged: what the incident view draws under the node's
 * timeline. Only the first datapoints of each check come with a report, so
 * this shows when the evidence is, not the leaf's whole KO time.
 */
export function evidenceSpans(leaf: Pick<Leaf, 'checks'>): Interval[] {
  const spans = leaf.checks
    .flatMap((c) => c.evidence.map((e) => ({ from: e.from, to: e.to })))
    .filter((s) => s.to > s.from)
    .sort((a, b) => a.from - b.from || a.to - b.to)
  const out: Interval[] = []
  for (const s of spans) {
    const last = out[out.length - 1]
    if (last && s.from <= last.to) last.to = Math.max(last.to, s.to)
    else out.push({ ...s })
  }
  return out
}

/**
 * The file name of an export (without extension): "incident-Website-foo.com-20261201T234000Z",
 * keeping letters, digits, dots and dashes of the node's name.
 */
export function fileName(label: string, name: string, start: number): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9.-]+/g, '_').replace(/^[._]+|[._]+$/g, '') || 'node'
  return `incident-${safe(label)}-${safe(name)}-${isoOf(start).replace(/[-:]/g, '')}`
}
