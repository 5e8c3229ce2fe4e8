// The enforced labels of a shared source as the forms edit them: one
// label=value per line, parsed into the API's [{label, value}].
import type { LabelMatcher } from '../api'

/** Writes matchers one per line: team={team}. */
export function matchersText(ms: LabelMatcher[] | undefined): string {
  return (ms ?? []).map((m) => `${m.label}=${m.value}`).join('\n')
}

/**
 * Reads one label=value per line (blank lines skipped; the value is
 * everything after the first '='). Throws an Error naming the field and the
 * line for a line without '=' or without a label.
 */
export function parseMatchers(text: string, field = 'enforce'): LabelMatcher[] {
  const out: LabelMatcher[] = []
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim()
    if (!line) return
    const eq = line.indexOf('=')
    if (eq <= 0) throw new Error(`${field}: line ${i + 1} must be label=value, not ${JSON.stringify(line)}`)
    out.push({ label: line.slice(0, eq).trim(), value: line.slice(eq + 1).trim() })
  })
  return out
}

/** Writes matchers as PromQL does: {team="acme", env="prod"}. */
export function matchersSelector(ms: LabelMatcher[] | undefined): string {
  return `{${(ms ?? []).map((m) => `${m.label}=${JSON.stringify(m.value)}`).join(', ')}}`
}
