// The label graph of a config, read from its qos expressions, for drawing.
// This is not a validator (the API is): it only finds what to draw.

import type { Config } from './api'

export interface LabelNode {
  label: string
  qos: string
  /** Labels listed in the expression's brackets. */
  uses: string[]
  /** The rule name for rule.NAME / rule.'NAME'. */
  rule: string | null
  kind: 'rule' | 'operation' | 'aggregation' | 'unknown'
}

export function parseQos(qos: string): Pick<LabelNode, 'uses' | 'rule' | 'kind'> {
  const s = qos.trim()
  const rule = /^rule\.(?:'([^']+)'|(.+))$/.exec(s)
  if (rule) return { uses: [], rule: (rule[1] ?? rule[2]).trim(), kind: 'rule' }
  const kind = s.startsWith('operation.') ? 'operation' : s.startsWith('aggregation.') ? 'aggregation' : 'unknown'
  const m = /\[([^\]]*)\]\s*$/.exec(s)
  const uses = m ? m[1].split(',').map((x) => x.trim()).filter(Boolean) : []
  return { uses, rule: null, kind }
}

export function labelGraph(config: Config): LabelNode[] {
  return Object.keys(config)
    .sort()
    .map((label) => {
      const qos = typeof config[label]?.qos === 'string' ? config[label].qos : ''
      return { label, qos, ...parseQos(qos) }
    })
}

/** Label names a message mentions (the API names the label it rejects). */
export function labelsIn(message: string, labels: string[]): string[] {
  return labels.filter((l) => new RegExp(`(^|[^A-Za-z0-9])${l}([^A-Za-z0-9]|$)`).test(message))
}

/** Line and column of a JSON.parse error position, for messages in place. */
export function jsonErrorAt(text: string, err: Error): string {
  const m = /position (\d+)/.exec(err.message)
  if (!m) return err.message
  const pos = Number(m[1])
  const before = text.slice(0, pos)
  const line = before.split('\n').length
  const col = pos - before.lastIndexOf('\n')
  return `${err.message.replace(/ in JSON at position \d+.*$/, '')} (line ${line}, column ${col})`
}
