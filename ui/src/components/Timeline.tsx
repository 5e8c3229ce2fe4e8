import { useId, type ReactNode } from 'react'
import type { Interval } from '../api'
import { formatDuration } from '../format'
import { useWidth } from '../hooks'
import { dayOf, formatClock, formatInstant, type Window } from '../time'
import { coveredSeconds, hourTicks, segments, xOf } from '../timeline'

export interface Lane {
  key: string
  label: ReactNode
  /** Text for screen readers and tooltips when label is not plain text. */
  name: string
  /** KO intervals. */
  downtime: Interval[] | null
  /** Nothing known over the window (QoS null): drawn as unknown, not OK. */
  unknown?: boolean
  /** Unknown seconds that the API counts but does not locate. */
  unknownSeconds?: number | null
  /** Extra text at the end of the row (QoS, overlap). */
  aside?: ReactNode
  emphasis?: boolean
}

/** A note of the team drawn over the timelines (an annotation). */
export interface TimelineNote {
  key: string | number
  from: number
  to: number
  /** What the note is about and says, for its tooltip. */
  text: string
}

interface Props {
  window: Window
  tz: string
  lanes: Lane[]
  /** Maintenance windows: bands across every lane, time that counts neither OK nor KO. */
  maintenance?: Interval[] | null
  /** The team's notes over the window, drawn in a lane of their own under the others. */
  notes?: TimelineNote[]
  /** Intervals drawn as faint bands across every lane (the node's own KO, for root causes). */
  guides?: Interval[] | null
  /** Everything after this instant is the future (live today). */
  until?: number
  labelWidth?: number
  laneHeight?: number
  caption?: string
}

const KO = '#b34700'
const OK = '#9ecae1'

/**
 * OK/KO timelines of one or more lanes over a window, on a shared hour axis in
 * the team's zone. KO intervals are hatched as well as coloured, and each one
 * has a tooltip with its exact times; lanes carry an accessible summary.
 */
export function Timeline({ window: w, tz, lanes, notes, guides, maintenance, until, labelWidth: wantLabel = 160, laneHeight = 22, caption }: Props) {
  const [ref, width] = useWidth<HTMLDivElement>(800)
  const id = useId().replace(/:/g, '')
  // On a phone the label and aside columns shrink so the drawing keeps most of the width.
  const narrow = width < 640
  const labelWidth = narrow ? Math.min(wantLabel, 84) : wantLabel
  const svgWidth = Math.max(120, width - labelWidth - (narrow ? 76 : 150))
  const ticks = hourTicks(w, tz, svgWidth, 56)
  const day = dayOf(w.start, tz)
  const fmt = (t: number) => (w.end - w.start <= 90000 && dayOf(t, tz) === day ? formatClock(t, tz) : formatInstant(t, tz))
  const guideSegs = guides ? segments(guides, w, svgWidth, 1) : []
  const maintSegs = maintenance ? segments(maintenance, w, svgWidth, 2) : []
  const futureX = until !== undefined && until < w.end ? xOf(until, w, svgWidth) : null
  return (
    <figure className={`timeline${narrow ? ' narrow' : ''}`} ref={ref}>
      {caption && <figcaption>{caption}</figcaption>}
      <svg width="0" height="0" aria-hidden="true" style={{ position: 'absolute' }}>
        <defs>
          <pattern id={`ko-${id}`} width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
            <rect width="6" height="6" fill={KO} />
            <line x1="0" y1="0" x2="0" y2="6" stroke="#ffffff" strokeOpacity="0.35" strokeWidth="2" />
          </pattern>
          <pattern id={`unk-${id}`} width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(-45)">
            <rect width="6" height="6" fill="#e0e0e0" />
            <line x1="0" y1="0" x2="0" y2="6" stroke="#9e9e9e" strokeWidth="1.5" />
          </pattern>
        </defs>
      </svg>
      {lanes.map((lane) => {
        const segs = lane.unknown ? [] : segments(lane.downtime ?? [], w, svgWidth, 1.5)
        const ko = lane.unknown ? 0 : coveredSeconds(lane.downtime ?? [], w)
        const summary = lane.unknown
          ? `${lane.name}: nothing known over the window`
          : `${lane.name}: ${segs.length} KO interval${segs.length === 1 ? '' : 's'}, ${formatDuration(ko)} KO` +
            (segs.length ? ` (${segs.slice(0, 5).map((s) => `${fmt(s.from)}–${fmt(s.to)}`).join(', ')}${segs.length > 5 ? ', …' : ''})` : '')
        return (
          <div className={`tl-lane${lane.emphasis ? ' emphasis' : ''}`} key={lane.key}>
            <div className="tl-label" style={{ width: labelWidth }} title={lane.name}>
              {lane.label}
            </div>
            <svg width={svgWidth} height={laneHeight} role="img" aria-label={summary} className="tl-svg">
              <rect x="0" y="0" width={futureX ?? svgWidth} height={laneHeight} fill={lane.unknown ? `url(#unk-${id})` : OK}>
                <title>{lane.unknown ? 'unknown (no data)' : lane.unknownSeconds ? `not KO (OK, or unknown for ${formatDuration(lane.unknownSeconds)} in all)` : 'OK'}</title>
              </rect>
              {futureX !== null && <rect x={futureX} y="0" width={svgWidth - futureX} height={laneHeight} className="tl-future" />}
              {guideSegs.map((g, i) => (
                <rect key={`g${i}`} x={g.x} y="0" width={g.width} height={laneHeight} className="tl-guide" />
              ))}
              {maintSegs.map((g, i) => (
                <rect key={`m${i}`} x={g.x} y="0" width={g.width} height={laneHeight} className="tl-maint">
                  <title>{`maintenance ${fmt(g.from)} – ${fmt(g.to)}: neither OK nor KO`}</title>
                </rect>
              ))}
              {segs.map((s, i) => (
                <rect key={i} x={s.x} y={lane.emphasis ? 0 : 2} width={s.width} height={lane.emphasis ? laneHeight : laneHeight - 4} fill={`url(#ko-${id})`} className="tl-ko">
                  <title>{`KO ${fmt(s.from)} – ${fmt(s.to)} (${formatDuration(s.to - s.from)})`}</title>
                </rect>
              ))}
            </svg>
            <div className="tl-aside">{lane.aside}</div>
          </div>
        )
      })}
      {notes && notes.length > 0 && (
        <div className="tl-lane tl-notes">
          <div className="tl-label" style={{ width: labelWidth }}>
            notes
          </div>
          <svg width={svgWidth} height={14} role="img" aria-label={`${notes.length} note${notes.length === 1 ? '' : 's'}: ${notes.map((n) => `${fmt(Math.max(n.from, w.start))}–${fmt(Math.min(n.to, w.end))} ${n.text}`).join('; ')}`} className="tl-svg">
            {notes.map((n) => {
              const seg = segments([{ from: n.from, to: n.to }], w, svgWidth, 3)[0]
              if (!seg) return null
              return (
                <rect key={n.key} x={seg.x} y="2" width={seg.width} height="10" rx="2" className="tl-note">
                  <title>{`${fmt(seg.from)} – ${fmt(seg.to)}: ${n.text}`}</title>
                </rect>
              )
            })}
          </svg>
          <div className="tl-aside" />
        </div>
      )}
      <div className="tl-lane tl-axis" aria-hidden="true">
        <div className="tl-label" style={{ width: labelWidth }} />
        <svg width={svgWidth} height={18}>
          {ticks.filter((t) => futureX === null || Math.abs(t.x - futureX) > 28).map((t) => (
            <g key={t.t} transform={`translate(${t.x},0)`}>
              <line y1="0" y2="4" stroke="currentColor" />
              <text y="15" textAnchor={t.x < 12 ? 'start' : t.x > svgWidth - 20 ? 'end' : 'middle'}>
                {t.label}
              </text>
            </g>
          ))}
          {futureX !== null && (
            <text x={futureX} y="15" textAnchor="middle" className="tl-now">
              now
            </text>
          )}
        </svg>
        <div className="tl-aside" />
      </div>
      <div className="tl-key" aria-hidden="true">
        <span><i className="key-ok" /> OK</span>
        <span><i className="key-ko" /> KO</span>
        <span><i className="key-unk" /> unknown</span>
        {guides && guides.length > 0 && <span><i className="key-guide" /> the node's KO time</span>}
        {notes && notes.length > 0 && <span><i className="key-note" /> a note</span>}
        {maintSegs.length > 0 && <span><i className="key-maint" /> maintenance</span>}
      </div>
    </figure>
  )
}
