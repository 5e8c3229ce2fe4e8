import { useEffect, useMemo, useState } from 'react'
import { request, teamPath, type ApiError, type Config, type ConfigVersion } from '../api'
import { PageHeader, RunTime, Section } from '../components/common'
import Graph from '../components/Graph'
import { Async, Empty, ErrorBox, Loading } from '../components/states'
import { labelGraph, labelsIn, jsonErrorAt } from '../configgraph'
import { useTeam } from '../context'
import { toApiError, useApi, useDebounced, useTitle } from '../hooks'

const TEMPLATE: Config = {
  Filer: { qos: 'rule.Servers' },
  Apache: { qos: 'rule.Servers' },
  Website: { qos: 'operation.AND[Filer, Apache]' },
  Offer: { qos: 'aggregation.AVERAGE[Website]' },
}

const pretty = (c: unknown) => JSON.stringify(c, null, 2)

export default function ConfigPage() {
  const { team, tz, reloadLabels } = useTeam()
  useTitle(`Configuration · ${team.name}`)
  const current = useApi<ConfigVersion>(`${teamPath(team.name)}/config`)
  const history = useApi<ConfigVersion[]>(`${teamPath(team.name)}/configs`)
  const none = current.error?.status === 404
  const [text, setText] = useState<string | null>(null)
  const [saveError, setSaveError] = useState<ApiError | null>(null)
  const [saved, setSaved] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)

  // The editor starts from the current version (or a template when there is none).
  useEffect(() => {
    if (text !== null) return
    if (current.data) setText(pretty(current.data.config))
    else if (none) setText(pretty(TEMPLATE))
  }, [current.data, none, text])

  const parsed = useMemo((): { config?: Config; error?: string } => {
    if (text === null) return {}
    try {
      const v = JSON.parse(text)
      if (!v || typeof v !== 'object' || Array.isArray(v)) return { error: 'The configuration is a JSON object: {"Label": {"qos": "…"}, …}' }
      return { config: v as Config }
    } catch (e) {
      return { error: jsonErrorAt(text, e as Error) }
    }
  }, [text])

  // The drawing follows the editor after a pause, not on every keystroke.
  const settled = useDebounced(text, 400)
  const graph = useMemo(() => {
    try {
      const v = settled === null ? null : JSON.parse(settled)
      return v && typeof v === 'object' && !Array.isArray(v) ? labelGraph(v as Config) : []
    } catch {
      return []
    }
  }, [settled])
  const flagged = useMemo(() => (saveError ? labelsIn(saveError.message, graph.map((g) => g.label)) : []), [saveError, graph])
  // Labels, plus one node per rule the leaves use (a rule shared by two labels is drawn once).
  const gNodes = useMemo(() => {
    const rules = [...new Set(graph.map((n) => n.rule).filter((r): r is string => r !== null))]
    return [
      ...graph.map((n) => ({ id: n.label, title: n.label, subtitle: n.qos.length > 40 ? n.qos.slice(0, 38) + '…' : n.qos, flagged: flagged.includes(n.label) })),
      ...rules.map((r) => ({ id: `rule:${r}`, title: `rule ${r}`, subtitle: 'checks' })),
    ]
  }, [graph, flagged])
  const gEdges = useMemo(
    () => graph.flatMap((n) => [...n.uses.map((u) => ({ from: n.label, to: u })), ...(n.rule ? [{ from: n.label, to: `rule:${n.rule}` }] : [])]),
    [graph],
  )
  const dirty = text !== null && current.data !== undefined && text !== pretty(current.data.config)

  async function save() {
    if (!parsed.config) return
    setBusy(true)
    setSaveError(null)
    setSaved(null)
    try {
      const v = await request<ConfigVersion>(`${teamPath(team.name)}/config`, { method: 'PUT', body: parsed.config })
      setSaved(`Saved as version ${v.id}.`)
      setText(pretty(v.config))
      current.reload()
      history.reload()
      reloadLabels()
    } catch (e) {
      setSaveError(toApiError(e))
    } finally {
      setBusy(false)
    }
  }

  async function restore(id: string | number) {
    setSaveError(null)
    setSaved(null)
    try {
      const v = await request<ConfigVersion>(`${teamPath(team.name)}/configs/${encodeURIComponent(String(id))}/restore`, { method: 'POST' })
      setSaved(`Version ${id} restored as version ${v.id}.`)
      setText(pretty(v.config))
      current.reload()
      history.reload()
      reloadLabels()
    } catch (e) {
      setSaveError(toApiError(e))
    }
  }

  const errorId = 'config-error'
  return (
    <>
      <PageHeader title="Configuration" kicker={team.name} />
      {current.error && !none && <ErrorBox error={current.error} retry={current.reload} />}
      {current.loading && !current.data && !current.error && <Loading what="Loading the configuration" />}
      {text !== null && (
        <div className="config-layout">
          <Section
            title={none ? 'No configuration yet: a template' : `Version ${current.data?.id}`}
            id="editor"
            actions={current.data && <span className="muted">saved <RunTime at={current.data.created_at} tz={tz} /></span>}
          >
            <p className="help" id="config-help">
              For each label, <code>qos</code>: <code>rule.NAME</code>, <code>operation.AND|OR|ATLEAST(n)|RATIO(r)[Labels]</code> or{' '}
              <code>aggregation.AVERAGE|MIN|MAX[Labels]</code>; optionally <code>"label": {'{'}"average.exclude": ["name"]{'}'}</code>.
            </p>
            <label htmlFor="config-text" className="visually-hidden">
              Configuration JSON
            </label>
            <textarea
              id="config-text"
              className={`code-editor${parsed.error || saveError ? ' invalid' : ''}`}
              spellCheck={false}
              value={text}
              rows={Math.min(28, Math.max(10, text.split('\n').length + 1))}
              onChange={(e) => {
                setText(e.target.value)
                setSaved(null)
              }}
              aria-invalid={Boolean(parsed.error || saveError)}
              aria-describedby={`config-help${parsed.error || saveError ? ' ' + errorId : ''}`}
            />
            <div id={errorId} aria-live="polite">
              {parsed.error && (
                <div className="state error" role="alert">
                  <strong>Not valid JSON</strong>
                  <p className="error-message">{parsed.error}</p>
                </div>
              )}
              {saveError && (
                <div className="state error inline-error" role="alert" data-testid="config-error">
                  <strong>The API rejected this configuration</strong>
                  <span className="error-code">
                    {saveError.code} · HTTP {saveError.status}
                  </span>
                  <p className="error-message">{saveError.message}</p>
                  {flagged.length > 0 && <p>Label{flagged.length > 1 ? 's' : ''} concerned: {flagged.map((l) => <code key={l}>{l} </code>)}</p>}
                </div>
              )}
              {saved && (
                <p className="notice ok" role="status">
                  {saved}
                </p>
              )}
            </div>
            <div className="button-row">
              <button type="button" className="button primary" onClick={save} disabled={busy || !parsed.config}>
                {busy ? 'Saving…' : 'Save a new version'}
              </button>
              {current.data && (
                <button
                  type="button"
                  className="button"
                  disabled={!dirty}
                  onClick={() => {
                    setText(pretty(current.data!.config))
                    setSaveError(null)
                  }}
                >
                  Discard changes
                </button>
              )}
            </div>
          </Section>
          <Section title="Label graph" id="label-graph">
            {graph.length === 0 ? (
              <Empty>{parsed.error ? 'Fix the JSON to see the graph.' : 'No label configured.'}</Empty>
            ) : (
              <>
                <Graph nodes={gNodes} edges={gEdges} height={420} ariaLabel={`Labels of the configuration and what each one is computed from: ${graph.map((g) => `${g.label} from ${g.qos}`).join('; ')}`} />
                <p className="help">Each label points to the labels its QoS is computed from; leaves come from rules. {flagged.length > 0 && 'Labels named by the error are marked ⚠.'}</p>
              </>
            )}
          </Section>
        </div>
      )}

      <Section title="History" id="history">
        <Async {...history} what="Loading versions">
          {(list) =>
            list.length === 0 ? (
              <Empty>No version saved yet.</Empty>
            ) : (
              <table className="data">
                <thead>
                  <tr>
                    <th scope="col">Version</th>
                    <th scope="col">Saved</th>
                    <th scope="col">Labels</th>
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {list.map((v, i) => (
                    <HistoryRow key={String(v.id)} v={v} current={i === 0 && String(v.id) === String(current.data?.id)} onRestore={() => restore(v.id)} onLoad={() => setText(pretty(v.config))} />
                  ))}
                </tbody>
              </table>
            )
          }
        </Async>
      </Section>
    </>
  )
}

function HistoryRow({ v, current, onRestore, onLoad }: { v: ConfigVersion; current: boolean; onRestore: () => void; onLoad: () => void }) {
  const { tz } = useTeam()
  const [open, setOpen] = useState(false)
  const [confirm, setConfirm] = useState(false)
  return (
    <>
      <tr>
        <td>
          {String(v.id)} {current && <span className="badge">current</span>}
        </td>
        <td>
          <RunTime at={v.created_at} tz={tz} />
        </td>
        <td>{Object.keys(v.config ?? {}).sort().join(', ')}</td>
        <td className="actions">
          <button type="button" className="button small ghost" aria-expanded={open} onClick={() => setOpen(!open)}>
            {open ? 'Hide' : 'View'}
          </button>
          <button type="button" className="button small ghost" onClick={onLoad}>
            Load in editor
          </button>
          {!current &&
            (confirm ? (
              <>
                <button type="button" className="button small primary" onClick={() => { setConfirm(false); onRestore() }}>
                  Confirm restore
                </button>
                <button type="button" className="button small ghost" onClick={() => setConfirm(false)}>
                  Cancel
                </button>
              </>
            ) : (
              <button type="button" className="button small" onClick={() => setConfirm(true)}>
                Restore
              </button>
            ))}
        </td>
      </tr>
      {open && (
        <tr className="detail">
          <td colSpan={4}>
            <pre className="code">{pretty(v.config)}</pre>
          </td>
        </tr>
      )}
    </>
  )
}
