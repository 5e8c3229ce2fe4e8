import { afterEach, describe, expect, it, vi } from 'vitest'
import { PROXY_SESSION, request } from './api'

// Behind a proxy that names the user (api.proxy_auth) the app keeps
// PROXY_SESSION in place of a token and sends no Authorization header.
describe('the proxy session', () => {
  afterEach(() => vi.unstubAllGlobals())
  const headersOf = async (token: string) => {
    const fetch = vi.fn(async () => new Response('{"name":"alice"}', { status: 200 }))
    vi.stubGlobal('fetch', fetch)
    await request('/me', { token })
    const calls = fetch.mock.calls as unknown as [string, RequestInit][]
    return calls[0][1].headers as Record<string, string>
  }
  it('sends no Authorization header', async () => {
    expect((await headersOf(PROXY_SESSION)).Authorization).toBeUndefined()
  })
  it('sends a real token as a bearer token', async () => {
    expect((await headersOf('depc_abc')).Authorization).toBe('Bearer depc_abc')
  })
})
