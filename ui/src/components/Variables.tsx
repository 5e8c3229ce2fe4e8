import { useEffect, useState } from 'react'
import { request, type ConnectionReport, type Variables } from '../api'
import { ErrorBox } from './states'

/**
 * Edits one set of variables ({{ depc.SCOPE.NAME }} in check queries): one
 * NAME=value per line, read from and saved to url (…/variables). The API refuses a set that a check can no longer
 * render with, naming the check.
 */
export function VariablesEditor({ url, scope, onClose }: { url: string; scope: string; onClose?: () => void }) {
  const [text, setText] = useState('')
  const [error, setError] = useState<Error | null>(null)
  const [saved, setSaved] = useState(false)
  // Until the set is read, what one types would be overwritten by it.
  const [loaded, setLoaded] = useState(false)
  useEffect(() => {
    const ctl = new AbortController()
    setLoaded(false)
    request<Variables>(url, { signal: ctl.signal })
      .then((v) => {
        setText(toLines(v.variables))
        setLoaded(true)
      })
      .catch((e) => { if ((e as Error).name !== 'AbortError') setError(e as Error) })
    return () => ctl.abort()
  }, [url])
  const save = async () => {
    setError(null)
    setSaved(false)
    try {
      const v = await request<Variables>(url, { method: 'PUT', body: { variables: fromLines(text) } })
      setText(toLines(v.variables))
      setSaved(true)
    } catch (e) {
      setError(e as Error)
    }
  }
  return (
    <div className="variables" aria-label={`Variables (${scope})`}>
      <label className="block">
        Variables, one <code>NAME=value</code> a line, used as <code>{`{{ depc.${scope}.NAME }}`}</code>
        <textarea className="code-editor" rows={4} value={text} onChange={(e) => { setText(e.target.value); setSaved(false) }} spellCheck={false} disabled={!loaded} aria-busy={!loaded} />
      </label>
      <button type="button" className="button small primary" onClick={save} disabled={!loaded}>Save variables</button>
      {onClose && <button type="button" className="button small ghost" onClick={onClose}>Close</button>}
      {saved && <span className="help" role="status"> Saved.</span>}
      {error && <ErrorBox error={error} title="The variables were not saved" />}
    </div>
  )
}

export function toLines(v: Record<string, string> | undefined): string {
  return Object.keys(v ?? {}).sort().map((k) => `${k}=${v![k]}`).join('\n')
}

/** Parses NAME=value lines; blank lines are skipped; a line without = is an error. */
export function fromLines(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return
    const eq = line.indexOf('=')
    if (eq < 1) throw new Error(`variables: line ${i + 1} is not NAME=value`)
    out[line.slice(0, eq).trim()] = line.slice(eq + 1)
  })
  return out
}

/**
 * "Test connection": runs the API's test of a saved source (path …/sources/NAME)
 * or of an unsaved configuration (body, to …/sources/test) and shows each step.
 */
export function TestConnection({ path, body }: { path: string; body?: () => unknown }) {
  const [report, setReport] = useState<ConnectionReport | null>(null)
  const [error, setError] = useState<Error | null>(null)
  const [busy, setBusy] = useState(false)
  const run = async () => {
    setBusy(true)
    setError(null)
    setReport(null)
    try {
      setReport(await request<ConnectionReport>(`${path}/test`, { method: 'POST', body: body ? body() : {} }))
    } catch (e) {
      setError(e as Error)
    } finally {
      setBusy(false)
    }
  }
  return (
    <span className="test-connection">
      <button type="button" className="button small ghost" onClick={run} disabled={busy}>
        {busy ? 'Testing…' : 'Test connection'}
      </button>
      {report && (
        <span role="status" className={report.ok ? 'ok' : 'ko'}>
          {report.ok
            ? ` Connected: ${report.query} answered ${report.series} series.`
            : ` ${report.steps.filter((s) => !s.ok).map((s) => `${s.name} failed: ${s.error ?? ''}`).join('; ')}`}
        </span>
      )}
      {error && <ErrorBox error={error} title="The test could not run" />}
    </span>
  )
}
