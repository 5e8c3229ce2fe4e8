import { describe, expect, it, vi } from 'vitest'
import { renderToStaticMarkup } from 'react-dom/server'
import { SecretOnce } from './Access'

vi.hoisted(() => {
  Object.assign(globalThis, { window: { location: { pathname: '/', search: '' }, addEventListener: () => {} } })
})

describe('SecretOnce', () => {
  it('shows the secret once with a copy button', () => {
    const html = renderToStaticMarkup(<SecretOnce title="Token ci" secret="depc_abc" onClose={() => {}} />)
    expect(html).toContain('aria-label="Token ci"')
    expect(html).toContain('depc_abc')
    expect(html).toContain('shown only this once')
    expect(html).toMatch(/<button[^>]*>Copy<\/button>/)
  })
})
