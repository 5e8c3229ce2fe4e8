import cytoscape, { type Core, type ElementDefinition } from 'cytoscape'
import { useEffect, useRef } from 'react'
import { formatQos } from '../format'
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
  onActivate?: (id: string) => void
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
export default function Graph({ nodes, edges, selected, onSelect, onActivate, height = 520, ariaLabel }: Props) {
  const el = useRef<HTMLDivElement | null>(null)
  const cy = useRef<Core | null>(null)
  const handlers = useRef({ onSelect, onActivate })
  handlers.current = { onSelect, onActivate }

  useEffect(() => {
    if (!el.current) return
    const ids = new Set(nodes.map((n) => n.id))
    const elements: ElementDefinition[] = [
      ...nodes.map((n) => {
        const colored = n.qos !== undefined
        const l = qosLevel(n.qos)
        return {
          data: {
            id: n.id,
            text: colored ? `${n.title}\n${n.subtitle ? n.subtitle + ' · ' : ''}${formatQos(n.qos)}` : `${n.title}${n.subtitle ? '\n' + n.subtitle : ''}`,
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
    const root = nodes.find((n) => n.root)?.id
    const graph = cytoscape({
      container: el.current,
      elements,
      wheelSensitivity: 0.3,
      boxSelectionEnabled: false,
      style: [
        {
          selector: 'node',
          style: {
            shape: 'round-rectangle',
            width: 'label',
            height: 'label',
            padding: '8px',
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
        { selector: 'node.root', style: { 'font-weight': 'bold', 'outline-width': 3, 'outline-color': '#263238', 'outline-offset': 3 } as never },
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
      layout: {
        name: 'breadthfirst',
        directed: true,
        roots: root ? [root] : undefined,
        spacingFactor: 1.1,
        padding: 20,
        avoidOverlap: true,
      } as cytoscape.LayoutOptions,
    })
    graph.on('tap', 'node', (e) => handlers.current.onSelect?.(e.target.id()))
    graph.on('dbltap', 'node', (e) => handlers.current.onActivate?.(e.target.id()))
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
