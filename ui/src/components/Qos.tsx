import { formatQos } from '../format'
import { LEVELS, qosLevel } from '../scale'

/** A QoS value as a coloured chip; the number and the level name are always text. */
export function QosBadge({ qos, title }: { qos: number | null | undefined; title?: string }) {
  const l = qosLevel(qos)
  return (
    <span className={`qos qos-l${l.level}`} style={{ background: l.color, color: l.ink }} title={title ?? `QoS ${formatQos(qos)} (${l.name})`}>
      {formatQos(qos)}
      <span className="visually-hidden"> ({l.name})</span>
    </span>
  )
}

/** Plain QoS text with a small colour swatch. */
export function QosText({ qos }: { qos: number | null | undefined }) {
  const l = qosLevel(qos)
  return (
    <span className="qos-text">
      <span className={`swatch qos-l${l.level}`} style={{ background: l.color }} aria-hidden="true" />
      {formatQos(qos)}
    </span>
  )
}

export function QosLegend() {
  return (
    <ul className="legend" aria-label="QoS colour scale">
      {[...LEVELS].reverse().map((l) => (
        <li key={l.level}>
          <span className={`swatch qos-l${l.level}`} style={{ background: l.color }} aria-hidden="true" />
          {l.range === 'null' ? 'no data' : l.range}
        </li>
      ))}
    </ul>
  )
}
