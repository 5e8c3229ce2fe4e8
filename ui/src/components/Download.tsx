import { useState } from 'react'
import { requestBlob, type ApiError } from '../api'
import { toApiError } from '../hooks'
import { ErrorBox } from './states'

/**
 * A button that downloads an API answer (a CSV export) as a file: the API
 * needs the token, so a plain link would not do. The file is named as the
 * API's Content-Disposition says, else `filename`; the API's error, such as
 * a range too long, shows next to the button.
 */
export function DownloadButton({ path, filename, children, disabled, title }: { path: string; filename: string; children: string; disabled?: boolean; title?: string }) {
  const [error, setError] = useState<ApiError | null>(null)
  const [busy, setBusy] = useState(false)
  const [done, setDone] = useState('')
  async function download() {
    setError(null)
    setDone('')
    setBusy(true)
    try {
      const { blob, filename: named } = await requestBlob(path)
      const a = document.createElement('a')
      a.href = URL.createObjectURL(blob)
      a.download = named ?? filename
      document.body.appendChild(a)
      a.click()
      a.remove()
      setTimeout(() => URL.revokeObjectURL(a.href), 1000)
      setDone(`Downloaded ${a.download}.`)
    } catch (e) {
      setError(toApiError(e))
    } finally {
      setBusy(false)
    }
  }
  return (
    <span className="download no-print">
      <button type="button" className="button small" onClick={download} disabled={disabled || busy} title={title}>
        {busy ? 'Preparing…' : children}
      </button>
      {done && (
        <span className="visually-hidden" role="status">
          {done}
        </span>
      )}
      {error && <ErrorBox error={error} title="The download failed" />}
    </span>
  )
}
