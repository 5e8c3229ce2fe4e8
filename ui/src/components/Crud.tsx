import { useState, type FormEvent, type ReactNode } from 'react'
import { request, type ApiError } from '../api'
import { toApiError } from '../hooks'
import { ErrorBox } from './states'

/**
 * A create-or-edit form that sends its body to the API and shows the API's
 * validation message in place, next to the form, until the next attempt.
 */
export function EditForm<T>({ title, path, method, body, onDone, onCancel, children, submitText }: {
  title: string
  /** The API path to POST (create) or PUT (edit) to. */
  path: string
  method: 'POST' | 'PUT'
  /** Builds the body; throw an Error with a message to refuse before sending. */
  body: () => unknown
  onDone: (saved: T) => void
  onCancel?: () => void
  children: ReactNode
  submitText?: string
}) {
  const [error, setError] = useState<ApiError | null>(null)
  const [busy, setBusy] = useState(false)
  async function submit(e: FormEvent) {
    e.preventDefault()
    setError(null)
    let b: unknown
    try {
      b = body()
    } catch (err) {
      setError(toApiError(err))
      return
    }
    setBusy(true)
    try {
      const saved = await request<T>(path, { method, body: b })
      onDone(saved)
    } catch (err) {
      setError(toApiError(err))
    } finally {
      setBusy(false)
    }
  }
  return (
    <form className="card edit-form" onSubmit={submit} aria-label={title}>
      <h3>{title}</h3>
      {children}
      {error && <ErrorBox error={error} title={error.status === 0 ? 'Not sent' : 'The API refused it'} />}
      <div className="button-row">
        <button type="submit" className="button primary" disabled={busy}>
          {busy ? 'Saving…' : submitText ?? (method === 'POST' ? 'Create' : 'Save')}
        </button>
        {onCancel && (
          <button type="button" className="button ghost" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  )
}

/** A delete button that asks once more and shows why the API refused (409 while in use). */
export function DeleteButton({ path, what, onDone }: { path: string; what: string; onDone: () => void }) {
  const [confirm, setConfirm] = useState(false)
  const [error, setError] = useState<ApiError | null>(null)
  async function del() {
    setError(null)
    try {
      await request(path, { method: 'DELETE' })
      setConfirm(false)
      onDone()
    } catch (e) {
      setError(toApiError(e))
      setConfirm(false)
    }
  }
  return (
    <span className="delete">
      {confirm ? (
        <>
          <button type="button" className="button small danger" onClick={del}>
            Delete {what}
          </button>
          <button type="button" className="button small ghost" onClick={() => setConfirm(false)}>
            Keep
          </button>
        </>
      ) : (
        <button type="button" className="button small ghost" onClick={() => setConfirm(true)}>
          Delete…
        </button>
      )}
      {error && (
        <span className="error-text" role="alert">
          {error.code}: {error.message}
        </span>
      )}
    </span>
  )
}

/** The actions of a resource's row: Edit, then Delete…, after any of the page's own (children). */
export function RowActions({ onEdit, path, what, onDeleted, children }: {
  onEdit: () => void
  /** The resource's API path, to DELETE. */
  path: string
  what: string
  onDeleted: () => void
  children?: ReactNode
}) {
  return (
    <>
      {children}
      <button type="button" className="button small ghost" onClick={onEdit}>
        Edit
      </button>
      <DeleteButton path={path} what={what} onDone={onDeleted} />
    </>
  )
}
