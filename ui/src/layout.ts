// A layered layout for dependency graphs: parents above, dependencies below,
// every edge pointing down. Cytoscape's breadthfirst layout places a node by
// its distance from the nearest root, which draws edges upwards as soon as two
// paths of different lengths meet (Website → Filer → rule vs Apache → rule);
// here a node's layer is the length of the longest path reaching it.

export interface LayoutEdge {
  from: string
  to: string
}

export interface Position {
  x: number
  y: number
}

/**
 * Layer of each node: 1 + the deepest parent (0 for nodes nothing points to,
 * unless all their children are deeper, see below). Nodes on a cycle (an
 * invalid config) go one layer below the rest.
 */
export function layers(ids: string[], edges: LayoutEdge[]): Map<string, number> {
  const known = new Set(ids)
  const es = edges.filter((e) => known.has(e.from) && known.has(e.to) && e.from !== e.to)
  const indeg = new Map(ids.map((id) => [id, 0]))
  const out = new Map<string, string[]>(ids.map((id) => [id, []]))
  for (const e of es) {
    indeg.set(e.to, indeg.get(e.to)! + 1)
    out.get(e.from)!.push(e.to)
  }
  const layer = new Map<string, number>()
  const queue = ids.filter((id) => indeg.get(id) === 0)
  for (const id of queue) layer.set(id, 0)
  while (queue.length) {
    const id = queue.shift()!
    for (const to of out.get(id)!) {
      layer.set(to, Math.max(layer.get(to) ?? 0, layer.get(id)! + 1))
      indeg.set(to, indeg.get(to)! - 1)
      if (indeg.get(to) === 0) queue.push(to)
    }
  }
  const deepest = Math.max(0, ...layer.values())
  for (const id of ids) if (!layer.has(id)) layer.set(id, deepest + 1)
  // A source whose children all sit deep (Apache → rule, next to Website →
  // Filer → rule) moves down next to them, so its edges stay short and do not
  // cross the rows in between. The root of a subgraph has a child one row down
  // and stays on top.
  const hasParent = new Set(es.map((e) => e.to))
  for (const id of ids) {
    const kids = out.get(id)!
    if (hasParent.has(id) || kids.length === 0) continue
    layer.set(id, Math.max(layer.get(id)!, Math.min(...kids.map((k) => layer.get(k)!)) - 1))
  }
  return layer
}

/**
 * Positions: one row per layer, nodes ordered to keep children under their
 * parents (a few barycenter sweeps), rows centred. width(id) gives each node's
 * width so long names do not overlap.
 */
export function layered(ids: string[], edges: LayoutEdge[], width: (id: string) => number, opts: { gap?: number; rowHeight?: number } = {}): Map<string, Position> {
  const gap = opts.gap ?? 28
  const rowHeight = opts.rowHeight ?? 110
  const layer = layers(ids, edges)
  const rows: string[][] = []
  for (const id of ids) (rows[layer.get(id)!] ??= []).push(id)
  const parents = new Map<string, string[]>(ids.map((id) => [id, []]))
  const children = new Map<string, string[]>(ids.map((id) => [id, []]))
  for (const e of edges) {
    if (!parents.has(e.to) || !children.has(e.from)) continue
    parents.get(e.to)!.push(e.from)
    children.get(e.from)!.push(e.to)
  }
  const index = new Map<string, number>()
  const renumber = () => rows.forEach((r) => r?.forEach((id, i) => index.set(id, i)))
  renumber()
  const bary = (id: string, of: Map<string, string[]>) => {
    const ns = of.get(id)!.filter((n) => index.has(n))
    return ns.length ? ns.reduce((a, n) => a + index.get(n)!, 0) / ns.length : index.get(id)!
  }
  for (let sweep = 0; sweep < 4; sweep++) {
    const down = sweep % 2 === 0
    const order = down ? rows.map((_, i) => i) : rows.map((_, i) => rows.length - 1 - i)
    for (const r of order) {
      if (!rows[r]) continue
      const by = new Map(rows[r].map((id) => [id, bary(id, down ? parents : children)]))
      rows[r] = [...rows[r]].sort((a, b) => by.get(a)! - by.get(b)! || a.localeCompare(b))
      renumber()
    }
  }
  const pos = new Map<string, Position>()
  rows.forEach((row, r) => {
    if (!row) return
    const total = row.reduce((a, id) => a + width(id), 0) + gap * (row.length - 1)
    let x = -total / 2
    for (const id of row) {
      const w = width(id)
      pos.set(id, { x: x + w / 2, y: r * rowHeight })
      x += w + gap
    }
  })
  return pos
}
