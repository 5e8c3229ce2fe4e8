import { useState } from 'react'
import { PRESETS, lastDays, presetOf, type DayRange } from '../range'
import { setParams } from '../router'
import { isDay } from '../time'

/** Preset ranges (7, 30, 90, 365 days up to yesterday) and a custom start/end, kept in the URL. */
export function RangePicker({ range, lastDay }: { range: DayRange; lastDay: string }) {
  const preset = presetOf(range, lastDay)
  const [start, setStart] = useState(range.start)
  const [end, setEnd] = useState(range.end)
  const [prev, setPrev] = useState(range)
  if (prev.start !== range.start || prev.end !== range.end) {
    setPrev(range)
    setStart(range.start)
    setEnd(range.end)
  }
  return (
    <div className="rangepicker">
      <div className="segmented" role="group" aria-label="Range">
        {PRESETS.map((n) => (
          <button
            key={n}
            type="button"
            aria-pressed={preset === n}
            onClick={() => {
              const r = lastDays(n, lastDay)
              setParams({ start: n === 30 ? null : r.start, end: n === 30 ? null : r.end })
            }}
          >
            {n} d
          </button>
        ))}
      </div>
      <form
        className="range-custom"
        onSubmit={(e) => {
          e.preventDefault()
          if (isDay(start) && isDay(end)) setParams({ start, end })
        }}
      >
        <label>
          From <input type="date" value={start} max={lastDay} onChange={(e) => setStart(e.target.value)} required />
        </label>
        <label>
          to <input type="date" value={end} onChange={(e) => setEnd(e.target.value)} required />
        </label>
        <button type="submit" className="button small">Apply</button>
      </form>
    </div>
  )
}
