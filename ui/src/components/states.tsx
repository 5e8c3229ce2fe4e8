import type { ReactNode } from 'react'
import type { ApiError } from '../api'

/** A loading placeholder announced to screen readers. */
export function Loading({ what = 'Loading' }: { what?: string }) {
  return (
    <div className="state loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> {what}…
    </div>
  )
}

/** The API's error, as it said it: code and message. */
export function ErrorBox({ error, retry, title }: { error: ApiError | Error; retry?: () => void; title?: string }) {
  const code = (error as ApiError).code
  const status = (error as ApiError).status
  return (
    <div className="state error" role="alert">
      <strong>{title ?? 'The request failed'}</strong>
      {code && (
        <span className="error-code">
          {code}
          {status ? ` · HTTP ${status}` : ''}
        </span>
      )}
      <p className="error-message">{error.message}</p>
      {retry && (
        <button type="button" className="button small" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  )
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="state empty">{children}</div>
}

/** Shows loading, error or the content, in that order of precedence when nothing was loaded yet. */
export function Async<T>({ data, error, loading, reload, what, children }: {
  data: T | undefined
  error: ApiError | undefined
  loading: boolean
  reload?: () => void
  what?: string
  children: (data: T) => ReactNode
}) {
  if (error) return <ErrorBox error={error} retry={reload} />
  if (data === undefined) return loading ? <Loading what={what} /> : null
  // While the next answer loads (another day, another range) the previous one
  // stays, dimmed, instead of the view jumping to a spinner and back.
  return (
    <div className={loading ? 'stale' : undefined} aria-busy={loading}>
      {children(data)}
    </div>
  )
}
