import { useEffect, useRef } from 'react'
import uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'
import { formatQos } from '../format'
import { useWidth } from '../hooks'
import { SERIES_COLORS, SERIES_DASHES } from '../scale'
import { formatInstant } from '../time'
import { qosRange, tickLabel } from '../qosdata'

export interface Series {
  label: string
  values: (number | null)[]
  color?: string
  dash?: number[]
  /** Draw as steps (datapoints held until the next one: sample and hold). */
  stepped?: boolean
}

interface Props {
  /** X values in Unix seconds. */
  x: number[]
  series: Series[]
  tz: string
  height?: number
  /** "qos" formats the y axis and legend as QoS; "value" as plain numbers. */
  kind?: 'qos' | 'value'
  /** Horizontal lines, e.g. a check's threshold or interval bounds. */
  rules?: { value: number; label: string }[]
  /** Days on the x axis (legend shows the day) or instants. */
  xDays?: boolean
  ariaLabel: string
}

/**
 * A uPlot line chart whose time axis is in the team's zone. uPlot is small
 * (about 20 kB gzipped) and fast with thousands of points, which is all these
 * charts need; it lives in the chunks of the pages that draw charts only.
 */
export default function LineChart({ x, series, tz, height = 240, kind = 'qos', rules = [], xDays = false, ariaLabel }: Props) {
  const [wrapRef, width] = useWidth<HTMLDivElement>(800)
  const el = useRef<HTMLDivElement | null>(null)
  const plot = useRef<uPlot | null>(null)

  useEffect(() => {
    if (!el.current) return
    const fmtY = (v: number | null) => (v === null || v === undefined ? '—' : kind === 'qos' ? formatQos(v) : String(Math.round(v * 1000) / 1000))
    const ruleSeries: uPlot.Series[] = rules.map((r) => ({
      label: r.label,
      stroke: '#6a3d9a',
      dash: [4, 4],
      width: 1.5,
      points: { show: false },
      value: (_u: uPlot, v: number | null) => fmtY(v),
    }))
    const opts: uPlot.Options = {
      width: Math.max(280, width),
      height,
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1e3), tz),
      cursor: { drag: { x: true, y: false } },
      legend: { live: true },
      scales: {
        x: { time: true },
        // QoS crowds under 100: show from just below the lowest value up to 100,
        // never a range centred on a flat line (0 … 200).
        y: kind === 'qos' ? { range: (_u, min, max) => qosRange(min, max) } : {},
      },
      axes: [
        {
          stroke: '#555',
          grid: { stroke: '#eee' },
          ticks: { stroke: '#ccc' },
          // 24-hour clocks and ISO-like days in the team's zone, as everywhere else.
          values: (_u, splits, _axis, _space, incr) => splits.map((t, i) => tickLabel(t, incr, tz, i === 0)),
        },
        { stroke: '#555', grid: { stroke: '#eee' }, ticks: { stroke: '#ccc' }, size: 56, values: (_u, vals) => vals.map((v) => fmtY(v)) },
      ],
      series: [
        { label: xDays ? 'Day' : 'Time', value: (_u, v) => (v === null || v === undefined ? '—' : xDays ? formatInstant(v, tz).slice(0, 10) : formatInstant(v, tz)) },
        ...series.map((s, i) => ({
          label: s.label,
          stroke: s.color ?? SERIES_COLORS[i % SERIES_COLORS.length],
          dash: s.dash ?? SERIES_DASHES[i % SERIES_DASHES.length],
          width: 2,
          spanGaps: Boolean(s.stepped),
          points: { show: x.length <= 62, size: 5 },
          paths: s.stepped ? uPlot.paths.stepped!({ align: 1 }) : undefined,
          value: (_u: uPlot, v: number | null) => fmtY(v),
        })),
        ...ruleSeries,
      ],
    }
    const data: uPlot.AlignedData = [x, ...series.map((s) => s.values), ...rules.map((r) => x.map(() => r.value))]
    plot.current?.destroy()
    plot.current = new uPlot(opts, data, el.current)
    return () => {
      plot.current?.destroy()
      plot.current = null
    }
    // Width changes are handled by setSize below, without rebuilding.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [x, series, tz, height, kind, rules, xDays])

  useEffect(() => {
    plot.current?.setSize({ width: Math.max(280, width), height })
  }, [width, height])

  return (
    <div ref={wrapRef} className="chart">
      <div ref={el} role="img" aria-label={ariaLabel} />
    </div>
  )
}
