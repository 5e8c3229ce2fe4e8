import cytoscape, { type Core, type ElementDefinition } from 'cytoscape'
import { useEffect, useRef } from 'react'
import { formatQos } from '../format'
import { layered } from '../layout'
import { qosLevel } from '../scale'

export interface GraphNode {
  id: string
  /** First line of the node's text. */
  title: string
  /** Second line (label name, or a QoS expression). */
  subtitle?: string
  /** Colours the node; undefined = neutral (labels in the config graph). */
  qos?: number | null
  root?: boolean
  /** The node has been expanded (its dependencies are shown). */
  expanded?: boolean
  /** Marked as wrong (a label an error message names). */
  flagged?: boolean
}

export interface GraphEdge {
  from: string
  to: string
}

interface Props {
  nodes: GraphNode[]
  edges: GraphEdge[]
  selected?: string | null
  onSelect?: (id: string) => void
  height?: number
  ariaLabel: string
}

// Border styles repeat the colour scale's meaning for readers who cannot rely
// on colour: dotted = no data, double = poor or critical, dashed = degraded.
function borderStyle(level: number): string {
  if (level === 0) return 'dotted'
  if (level <= 2) return 'double'
  if (level === 3) return 'dashed'
  return 'solid'
}

/**
 * A directed graph drawn by Cytoscape.js (parents above, dependencies below).
 * Cytoscape is the heaviest dependency of the UI; it is only in the chunks of
 * the explorer and configuration pages.
 */
export default function Graph({ nodes, edges, selected, onSelect, height = 520, ariaLabel }: Props) {
  const el = useRef<HTMLDivElement | null>(null)
  const cy = useRef<Core | null>(null)
  const handlers = useRef({ onSelect })
  handlers.current = { onSelect }

  useEffect(() => {
    if (!el.current) return
    const ids = new Set(nodes.map((n) => n.id))
    const elements: ElementDefinition[] = [
      ...nodes.map((n) => {
        const colored = n.qos !== undefined
        const l = qosLevel(n.qos)
        const text = colored ? `${n.title}\n${n.subtitle ? n.subtitle + ' · ' : ''}${formatQos(n.qos)}` : `${n.title}${n.subtitle ? '\n' + n.subtitle : ''}`
        if (n.flagged) {
          return { data: { id: n.id, text: `${text}\n⚠ named by the error`, fill: '#7f2704', ink: '#ffffff', border: 'double', bw: 5 }, classes: 'flagged' }
        }
        return {
          data: {
            id: n.id,
            text,
            fill: colored ? l.color : '#f4f6f8',
            ink: colored ? l.ink : '#1a1a1a',
            border: colored ? borderStyle(l.level) : 'solid',
            bw: colored && l.level > 0 && l.level <= 3 ? 4 : 1.5,
          },
          classes: [n.root ? 'root' : '', n.expanded ? 'expanded' : ''].join(' '),
        }
      }),
      ...edges
        .filter((e) => ids.has(e.from) && ids.has(e.to))
        .map((e) => ({ data: { id: `${e.from}->${e.to}`, source: e.from, target: e.to } })),
    ]
    // Node size follows its text (12 px system font ≈ 7 px a character, 15 px a line).
    const texts = new Map(elements.filter((e) => !e.data.source).map((e) => [e.data.id as string, String(e.data.text)]))
    const widthOf = (id: string) => Math.max(60, ...(texts.get(id) ?? '').split('\n').map((l) => l.length * 7)) + 24
    for (const e of elements) {
      if (e.data.source) continue
      e.data.w = widthOf(e.data.id as string)
      e.data.h = String(e.data.text).split('\n').length * 15 + 16
    }
    const positions = layered(
      nodes.map((n) => n.id),
      edges.filter((e) => ids.has(e.from) && ids.has(e.to)),
      widthOf,
      { gap: 36, rowHeight: 96 },
    )
    const graph = cytoscape({
      container: el.current,
      elements,
      wheelSensitivity: 0.3,
      // A small graph must not be blown up to fill the box, nor a big one shrunk to dots.
      minZoom: 0.25,
      maxZoom: 1.25,
      boxSelectionEnabled: false,
      style: [
        {
          selector: 'node',
          style: {
            shape: 'round-rectangle',
            // Sizes come from the text (the same estimate the layout uses):
            // width: 'label' is deprecated and measured 0 on some rebuilds.
            width: 'data(w)',
            height: 'data(h)',
            label: 'data(text)',
            'text-wrap': 'wrap',
            'text-valign': 'center',
            'text-halign': 'center',
            'font-size': 12,
            'font-family': 'system-ui, sans-serif',
            color: 'data(ink)',
            'background-color': 'data(fill)',
            'border-color': '#263238',
            'border-width': 'data(bw)',
            'border-style': 'data(border)' as never,
          },
        },
        { selector: 'node.root', style: { 'font-weight': 'bold', 'font-size': 13 } },
        { selector: 'node:selected', style: { 'overlay-color': '#005fcc', 'overlay-opacity': 0.18, 'overlay-padding': 6 } },
        {
          selector: 'edge',
          style: {
            width: 1.5,
            'line-color': '#78909c',
            'target-arrow-color': '#78909c',
            'target-arrow-shape': 'triangle',
            'curve-style': 'bezier',
          },
        },
      ],
      layout: { name: 'preset', positions: (n: cytoscape.NodeSingular) => positions.get(n.id()) ?? { x: 0, y: 0 }, fit: true, padding: 24 } as cytoscape.LayoutOptions,
    })
    graph.on('tap', 'node', (e) => handlers.current.onSelect?.(e.target.id()))
    cy.current = graph
    return () => {
      graph.destroy()
      cy.current = null
    }
  }, [nodes, edges])

  useEffect(() => {
    const g = cy.current
    if (!g) return
    g.$(':selected').unselect()
    if (selected) g.getElementById(selected).select()
  }, [selected, nodes])

  return <div ref={el} className="graph" style={{ height }} role="img" aria-label={ariaLabel} />
}
