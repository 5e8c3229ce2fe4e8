import { useEffect, useState, type FormEvent } from 'react'
import { useTeam } from '../context'
import { formatDuration } from '../format'
import { MAX_WINDOW, parseLocal, toLocalInput, type Window } from '../time'

/** Why a from/to pair (datetime-local values in tz) is not a window, or the window. */
export function readWindow(from: string, to: string, tz: string): Window | string {
  const start = parseLocal(from, tz)
  const end = parseLocal(to, tz)
  if (start === null) return 'From: not a date and time'
  if (end === null) return 'To: not a date and time'
  if (end <= start) return 'To: must be after From'
  if (end - start > MAX_WINDOW) return `To: a window is at most ${MAX_WINDOW / 86400} days (this one is ${formatDuration(end - start)})`
  return { start, end }
}

/**
 * A window [from, to) at second resolution in the team's zone: any stretch
 * of up to 31 days, within a day or across midnight (an incident from 23:40
 * to 00:25). Applying it calls onChange; the page puts it in the URL.
 */
export function WindowPicker({ window: w, onChange, submitText = 'Apply' }: { window: Window; onChange: (w: Window) => void; submitText?: string }) {
  const { tz } = useTeam()
  const [from, setFrom] = useState(toLocalInput(w.start, tz))
  const [to, setTo] = useState(toLocalInput(w.end, tz))
  const [error, setError] = useState<string | null>(null)
  useEffect(() => {
    setFrom(toLocalInput(w.start, tz))
    setTo(toLocalInput(w.end, tz))
    setError(null)
  }, [w.start, w.end, tz])
  function submit(e: FormEvent) {
    e.preventDefault()
    const got = readWindow(from, to, tz)
    if (typeof got === 'string') {
      setError(got)
      return
    }
    setError(null)
    onChange(got)
  }
  return (
    <form className="window-picker" onSubmit={submit} aria-label="Window">
      <label>
        From <input type="datetime-local" step={1} value={from} onChange={(e) => setFrom(e.target.value)} required aria-invalid={error?.startsWith('From') || undefined} />
      </label>
      <label>
        to <input type="datetime-local" step={1} value={to} onChange={(e) => setTo(e.target.value)} required aria-invalid={error?.startsWith('To') || undefined} />
      </label>
      <span className="help">{tz}</span>
      <button type="submit" className="button small">
        {submitText}
      </button>
      {error && (
        <span className="error-text" role="alert">
          {error}
        </span>
      )}
    </form>
  )
}
