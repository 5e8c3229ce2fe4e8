// The QoS colour scale.
//
// QoS values crowd near 100, so the scale is in "nines" rather than linear, and
// it is a blue → orange diverging scale (ColorBrewer Blues/Oranges), readable
// with every common colour-vision deficiency; red/green are never the only cue.
// Every level also has a name (shown as text and in legends) and the bad
// levels carry a hatch pattern in the CSS (class qos-l<level>), so the
// information never rests on colour alone.

export interface QosLevel {
  /** 0 = unknown, 1 = worst … 6 = 100. */
  level: number
  /** Fill colour. */
  color: string
  /** Text colour readable on the fill (WCAG AA contrast). */
  ink: string
  /** Short name for legends and accessible text. */
  name: string
  /** Lower bound of the level, for the legend ("≥ 99.9"). */
  range: string
}

export const LEVELS: QosLevel[] = [
  { level: 0, color: '#bdbdbd', ink: '#1a1a1a', name: 'no data', range: 'null' },
  { level: 1, color: '#7f2704', ink: '#ffffff', name: 'critical', range: '< 95' },
  { level: 2, color: '#f16913', ink: '#1a1a1a', name: 'poor', range: '95 – 99' },
  { level: 3, color: '#fdae6b', ink: '#1a1a1a', name: 'degraded', range: '99 – 99.9' },
  { level: 4, color: '#c6dbef', ink: '#1a1a1a', name: 'good', range: '99.9 – 99.99' },
  { level: 5, color: '#6baed6', ink: '#1a1a1a', name: 'very good', range: '≥ 99.99' },
  { level: 6, color: '#08519c', ink: '#ffffff', name: 'perfect', range: '100' },
]

/** The level of a QoS value (0…100 or null). */
export function qosLevel(q: number | null | undefined): QosLevel {
  if (q === null || q === undefined || Number.isNaN(q)) return LEVELS[0]
  if (q >= 100) return LEVELS[6]
  if (q >= 99.99) return LEVELS[5]
  if (q >= 99.9) return LEVELS[4]
  if (q >= 99) return LEVELS[3]
  if (q >= 95) return LEVELS[2]
  return LEVELS[1]
}

/** Categorical colours for series (Okabe–Ito, safe for colour-blind readers). */
export const SERIES_COLORS = ['#0072b2', '#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#d55e00', '#000000', '#f0e442']

/** Dash patterns that tell series apart without colour. */
export const SERIES_DASHES: number[][] = [[], [8, 4], [2, 3], [10, 3, 2, 3], [4, 4], [12, 2], [1, 2], [6, 2, 2, 2]]
