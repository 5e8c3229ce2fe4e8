import { formatQos } from '../format'
import { qosLevel } from '../scale'

/**
 * A small line of daily QoS values (null = a gap). The vertical scale starts
 * at the lowest value, or 99.9 when every day is better, so small dips stay
 * visible without making a perfect series look noisy.
 */
export function Sparkline({ values, width = 120, height = 28, label }: { values: (number | null)[]; width?: number; height?: number; label: string }) {
  const known = values.filter((v): v is number => v !== null)
  if (known.length === 0) {
    return (
      <svg width={width} height={height} role="img" aria-label={`${label}: no data`} className="sparkline">
        <line x1="0" x2={width} y1={height / 2} y2={height / 2} className="spark-none" />
      </svg>
    )
  }
  const lo = Math.min(99.9, ...known)
  const hi = 100
  const n = values.length
  const x = (i: number) => (n <= 1 ? width / 2 : 2 + (i / (n - 1)) * (width - 4))
  const y = (v: number) => 2 + (hi === lo ? 0 : ((hi - v) / (hi - lo)) * (height - 4))
  const paths: string[] = []
  let cur = ''
  values.forEach((v, i) => {
    if (v === null) {
      // An isolated day between gaps still shows: a zero-length segment with a round cap.
      if (cur && !cur.includes('L')) cur += 'h0.01'
      if (cur) paths.push(cur)
      cur = ''
      return
    }
    cur += `${cur ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)}`
  })
  if (cur) paths.push(cur)
  const lastIndex = values.map((v) => v !== null).lastIndexOf(true)
  const last = values[lastIndex] as number
  const min = Math.min(...known)
  return (
    <svg width={width} height={height} role="img" aria-label={`${label}: lowest ${formatQos(min)}, last ${formatQos(last)}`} className="sparkline">
      {paths.map((d, i) => (
        <path key={i} d={d} className="spark-line" />
      ))}
      <circle cx={x(lastIndex)} cy={y(last)} r="2.5" fill={qosLevel(last).color} stroke="#333" strokeWidth="0.75" />
    </svg>
  )
}
