// Formatting of QoS values, durations and counts.
//
// QoS is shown exactly as the API gives it: a number already rounded to 3
// decimals, written the way Go's encoding/json writes it (shortest form:
// 99.93, 100). The UI never re-rounds such a value. Where the UI computes a
// QoS itself (a node's QoS over several days, from ok/ko seconds) it rounds as
// depc does: to nearest, ties to even on the exact binary value, like Go's
// strconv.FormatFloat(x, 'f', 3, 64).

/** Rounds x to 3 decimals the way depc does (ties to even on the binary value). */
export function roundQos(x: number): number {
  if (!Number.isFinite(x)) return x
  const neg = x < 0
  const a = Math.abs(x)
  // toFixed(100) is the exact decimal expansion of the double (at most 100
  // digits suffice: a tie has exactly 4 decimals).
  const exact = a.toFixed(100)
  const dot = exact.indexOf('.')
  const rest = exact.slice(dot + 4)
  let r: number
  if (/^50*$/.test(rest)) {
    const kept = Number(exact.slice(0, dot + 4))
    const last = Number(exact.charAt(dot + 3))
    r = last % 2 === 0 ? kept : Number((kept + 0.001).toFixed(3))
  } else {
    r = Number(a.toFixed(3))
  }
  return neg ? -r : r
}

/**
 * The text of a QoS value: the API's number as written ("99.931", "100"),
 * "—" when null or absent (nothing known).
 */
export function formatQos(q: number | null | undefined): string {
  if (q === null || q === undefined || Number.isNaN(q)) return '—'
  const s = String(q)
  if (/^-?\d+(\.\d{1,3})?$/.test(s)) return s
  // Not a 3-decimal value (never from a conforming API): round it as depc would.
  return String(roundQos(q))
}

/** QoS from seconds: 100 × ok / (ok + ko), rounded; null when nothing is known. */
export function qosOf(ok: number, ko: number): number | null {
  if (ok + ko <= 0) return null
  return roundQos((100 * ok) / (ok + ko))
}

/** "1 234 567" with narrow no-break spaces, for seconds and counts. */
export function formatInt(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—'
  const sign = n < 0 ? '−' : ''
  const digits = String(Math.trunc(Math.abs(n)))
  return sign + digits.replace(/\B(?=(\d{3})+(?!\d))/g, '\u202f')
}

/**
 * A duration in seconds for people: "0 s", "45 s", "2 min", "2 min 05 s",
 * "1 h 02 min", "3 d 4 h". Minutes are dropped above a day, seconds above an hour.
 */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—'
  let s = Math.round(Math.abs(seconds))
  const sign = seconds < 0 ? '−' : ''
  if (s < 60) return `${sign}${s} s`
  if (s < 3600) {
    const m = Math.floor(s / 60)
    s %= 60
    return s === 0 ? `${sign}${m} min` : `${sign}${m} min ${String(s).padStart(2, '0')} s`
  }
  if (s < 86400) {
    const h = Math.floor(s / 3600)
    const m = Math.floor((s % 3600) / 60)
    return m === 0 ? `${sign}${h} h` : `${sign}${h} h ${String(m).padStart(2, '0')} min`
  }
  const d = Math.floor(s / 86400)
  const h = Math.floor((s % 86400) / 3600)
  return h === 0 ? `${sign}${d} d` : `${sign}${d} d ${h} h`
}

/** Progress 0…1 as "75 %". */
export function formatProgress(p: number | null | undefined): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return '—'
  return `${Math.floor(Math.min(1, Math.max(0, p)) * 100)} %`
}

/** A signed QoS difference: "+0.012", "−1.5", "0". */
export function formatDelta(d: number | null | undefined): string {
  if (d === null || d === undefined || !Number.isFinite(d)) return '—'
  const r = roundQos(d)
  if (r === 0) return '0'
  return (r > 0 ? '+' : '−') + String(Math.abs(r))
}

/** Share of a part in a whole as "12.5 %" (one decimal), "—" when whole is 0. */
export function formatShare(part: number, whole: number | null | undefined): string {
  if (!whole) return '—'
  return `${(Math.round((1000 * part) / whole) / 10).toFixed(1)} %`
}
