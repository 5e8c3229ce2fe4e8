import type { KeyboardEvent } from 'react'
import { formatQos } from '../format'
import { qosLevel } from '../scale'
import { weekday } from '../time'
import { nines } from '../qosdata'

export interface DayBar {
  day: string
  qos: number | null
  /** false when no run computed the day. */
  computed: boolean
}

/**
 * Daily QoS over a range as a row of bars, one button per day. Height is in
 * nines (99.9 is visibly higher than 99), colour follows the QoS scale, and
 * each bar's accessible name holds the day and the value. Arrow keys move
 * between days.
 */
export function DayBars({ days, selected, onSelect, height = 96 }: { days: DayBar[]; selected?: string; onSelect: (day: string) => void; height?: number }) {
  function key(e: KeyboardEvent<HTMLButtonElement>, i: number) {
    const next = e.key === 'ArrowRight' ? i + 1 : e.key === 'ArrowLeft' ? i - 1 : e.key === 'Home' ? 0 : e.key === 'End' ? days.length - 1 : null
    if (next === null || next < 0 || next >= days.length) return
    e.preventDefault()
    onSelect(days[next].day)
    const btns = (e.currentTarget.parentElement?.querySelectorAll('button') ?? []) as NodeListOf<HTMLButtonElement>
    btns[next]?.focus()
  }
  return (
    <div className="daybars" role="group" aria-label="Daily QoS, one bar per day" style={{ height: height + 28 }}>
      {days.map((d, i) => {
        const l = qosLevel(d.qos)
        const h = !d.computed ? 0 : d.qos === null ? height : Math.max(3, (nines(d.qos) / 5) * height)
        const text = d.computed ? `QoS ${formatQos(d.qos)} (${l.name})` : 'not computed'
        const first = i === 0 || d.day.endsWith('-01')
        return (
          <button
            key={d.day}
            type="button"
            className={`daybar${d.day === selected ? ' selected' : ''}${d.computed ? '' : ' missing'}`}
            aria-pressed={d.day === selected}
            aria-label={`${d.day} ${weekday(d.day)}: ${text}`}
            title={`${d.day} (${weekday(d.day)}): ${text}`}
            tabIndex={d.day === selected || (!selected && i === days.length - 1) ? 0 : -1}
            onClick={() => onSelect(d.day)}
            onKeyDown={(e) => key(e, i)}
          >
            <span className={`bar qos-l${l.level}`} style={{ height: h, background: d.computed ? l.color : undefined }} />
            <span className="daybar-day" aria-hidden="true">{first ? d.day.slice(5) : d.day.slice(8)}</span>
          </button>
        )
      })}
    </div>
  )
}
