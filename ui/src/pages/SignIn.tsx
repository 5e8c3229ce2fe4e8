import { useEffect, useRef, useState, type FormEvent } from 'react'
import { PROXY_SESSION, request, type ApiError, type Me, type Team } from '../api'
import { ErrorBox } from '../components/states'
import { useTitle } from '../hooks'

/**
 * Sign in with an API token. The token is checked against GET /teams and kept
 * in session storage only: it is gone when the tab closes.
 */
/** Whether this page load asked the API if a proxy signs the caller in (once: not again after signing out). */
let proxyAsked = false

export function SignIn({ onSignedIn, expired }: { onSignedIn: (token: string) => void; expired: boolean }) {
  useTitle('Sign in')
  const [token, setToken] = useState('')
  const [proxyUser, setProxyUser] = useState<string | null>(null)
  // Behind a reverse proxy that names the user (api.proxy_auth), GET /me
  // answers without a token: sign in as that user.
  const signedIn = useRef(onSignedIn)
  signedIn.current = onSignedIn
  useEffect(() => {
    if (proxyAsked || expired) return
    proxyAsked = true
    request<Me>('/me', { token: PROXY_SESSION }).then(
      (me) => {
        setProxyUser(me.name)
        signedIn.current(PROXY_SESSION)
      },
      () => {}, // no proxy: sign in with a token
    )
  }, [expired])
  const [error, setError] = useState<ApiError | null>(null)
  const [busy, setBusy] = useState(false)
  async function submit(e: FormEvent) {
    e.preventDefault()
    const t = token.trim()
    if (!t) return
    setBusy(true)
    setError(null)
    try {
      await request<Team[]>('/teams', { token: t })
      onSignedIn(t)
    } catch (err) {
      setError(err as ApiError)
    } finally {
      setBusy(false)
    }
  }
  return (
    <section className="signin card">
      <h1 tabIndex={-1}>Sign in to depc</h1>
      {proxyUser && (
        <p className="notice" role="status">
          Signed in as {proxyUser} by your proxy.
        </p>
      )}
      {expired && !error && (
        <p className="notice" role="status">
          The API refused the token (it was revoked or the server restarted). Sign in again.
        </p>
      )}
      <form onSubmit={submit}>
        <label htmlFor="token">API token</label>
        <input
          id="token"
          name="token"
          type="password"
          autoComplete="current-password"
          spellCheck={false}
          value={token}
          onChange={(e) => setToken(e.target.value)}
          aria-describedby="token-help"
          required
          autoFocus
        />
        <p id="token-help" className="help">
          A user token (from <code>POST /api/v1/users</code>) or the admin token <code>depc serve</code> printed at start. It is kept for this tab only.
        </p>
        <button type="submit" className="button primary" disabled={busy}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
      </form>
      {error && <ErrorBox error={error} title={error.status === 401 ? 'Unknown token' : 'Could not sign in'} />}
    </section>
  )
}
