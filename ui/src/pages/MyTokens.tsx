// Anyone's own tokens (/me/tokens): one per script or machine, each with an
// optional expiry, revoked on its own.
import type { Me } from '../api'
import { PageHeader, Section } from '../components/common'
import { TokenList } from '../components/Access'
import { useApi, useTitle } from '../hooks'

export default function MyTokens() {
  useTitle('My tokens')
  const me = useApi<Me>('/me')
  return (
    <>
      <PageHeader title="My tokens" kicker={me.data?.name} />
      <p className="help">Give each script or machine its own token, so you can revoke it alone. A token you rotate gets a new secret; the old one stops at once.</p>
      <Section title="Tokens" id="tokens">
        <TokenList base="/me/tokens" what={me.data?.name ?? 'you'} />
      </Section>
    </>
  )
}
