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
  /** Called with the x value (Unix seconds) of the point under the cursor when the chart is clicked. */
  onPick?: (x: number) => void
  /** An x value (Unix seconds) marked by a vertical line: the picked day. */
  mark?: number | null
}

/**
 * A uPlot line chart whose time axis is in the team's zone. uPlot is small
 * (about 20 kB gzipped) and fast with thousands of points, which is all these
 * charts need; it lives in the chunks of the pages that draw charts only.
 */
export default function LineChart({ x, series, tz, height = 240, kind = 'qos', rules = [], xDays = false, ariaLabel, onPick, mark = null }: Props) {
  const [wrapRef, width] = useWidth<HTMLDivElement>(800)
  const el = useRef<HTMLDivElement | null>(null)
  const plot = useRef<uPlot | null>(null)
  // Read by the chart's handlers, so that a new callback or mark does not rebuild it.
  const pick = useRef(onPick)
  pick.current = onPick
  const marked = useRef(mark)
  marked.current = mark

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
      hooks: {
        // The picked day: a vertical line across the plot.
        draw: [
          (u) => {
            const m = marked.current
            if (m === null || m === undefined) return
            const px = u.valToPos(m, 'x', true)
            // Outside the range shown: no line over the axes.
            if (!Number.isFinite(px) || px < u.bbox.left || px > u.bbox.left + u.bbox.width) return
            const { ctx } = u
            ctx.save()
            ctx.strokeStyle = '#0b5cad'
            ctx.lineWidth = 2 * uPlot.pxRatio
            ctx.setLineDash([6 * uPlot.pxRatio, 4 * uPlot.pxRatio])
            ctx.beginPath()
            ctx.moveTo(px, u.bbox.top)
            ctx.lineTo(px, u.bbox.top + u.bbox.height)
            ctx.stroke()
            ctx.restore()
          },
        ],
      },
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
    const u = new uPlot(opts, data, el.current)
    plot.current = u
    // A click (not a drag to zoom) picks the point under the cursor.
    let down: { x: number; y: number } | null = null
    u.over.addEventListener('mousedown', (e) => {
      down = { x: e.clientX, y: e.clientY }
    })
    u.over.addEventListener('click', (e) => {
      const moved = down && Math.abs(e.clientX - down.x) + Math.abs(e.clientY - down.y) > 4
      const i = u.cursor.idx
      if (moved || i === null || i === undefined || !pick.current) return
      pick.current(x[i])
    })
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

  useEffect(() => {
    plot.current?.redraw(false)
  }, [mark])

  return (
    <div ref={wrapRef} className={`chart${onPick ? ' pickable' : ''}`}>
      <div ref={el} role="img" aria-label={ariaLabel} />
    </div>
  )
}
