import { Suspense, lazy, useEffect, useRef, useState, type ReactNode } from 'react'
import { getToken, onUnauthorized, setToken, teamPath, type Label, type Me, type Team } from './api'
import { canManage } from './access'
import { TeamContext } from './context'
import { useApi } from './hooks'
import { isValidZone } from './time'
import { formatInt } from './format'
import { Link, lastNavigationWasPush, navigate, segments, urls, useLocation } from './router'
import { ErrorBox, Loading } from './components/states'
import { SignIn } from './pages/SignIn'
import { NewsBanner } from './components/NewsBanner'
import { Teams } from './pages/Teams'

// Every team page is its own chunk: the first load carries React, the shell,
// sign-in and the team list; charts (uPlot) and graphs (Cytoscape) come with
// the pages that draw them.
const Dashboard = lazy(() => import('./pages/Dashboard'))
const Labels = lazy(() => import('./pages/Labels'))
const LabelPage = lazy(() => import('./pages/Label'))
const NodePage = lazy(() => import('./pages/Node'))
const Explorer = lazy(() => import('./pages/Explorer'))
const IncidentPage = lazy(() => import('./pages/Incident'))
const ConfigPage = lazy(() => import('./pages/Config'))
const Sources = lazy(() => import('./pages/Sources'))
const Alerts = lazy(() => import('./pages/Alerts'))
const Checks = lazy(() => import('./pages/Checks'))
const Rules = lazy(() => import('./pages/Rules'))
const Runs = lazy(() => import('./pages/Runs'))
const Statistics = lazy(() => import('./pages/Statistics'))
const Report = lazy(() => import('./pages/Report'))
const RunPage = lazy(() => import('./pages/Run'))
const Rejected = lazy(() => import('./pages/Rejected'))
const Access = lazy(() => import('./pages/Access'))
const Admin = lazy(() => import('./pages/Admin'))
const SharedSources = lazy(() => import('./pages/SharedSources'))
const MyTokens = lazy(() => import('./pages/MyTokens'))

export function App() {
  const loc = useLocation()
  const [token, setTok] = useState(getToken())
  const [expired, setExpired] = useState(false)
  const segs = segments(loc.path)

  useEffect(
    () =>
      onUnauthorized(() => {
        setToken(null)
        setTok(null)
        setExpired(true)
      }),
    [],
  )

  if (segs[0] === 'signin' || !token) {
    const next = segs[0] === 'signin' ? new URLSearchParams(loc.search).get('next') : loc.path + loc.search
    return (
      <Frame>
        <SignIn
          expired={expired}
          onSignedIn={(t) => {
            setToken(t)
            setTok(t)
            setExpired(false)
            navigate(next && next.startsWith('/') && !next.startsWith('//') ? next : '/', { replace: true })
          }}
        />
      </Frame>
    )
  }

  const signOut = () => {
    setToken(null)
    setTok(null)
    navigate(urls.signIn(), { replace: true })
  }

  if (segs.length === 0) {
    return (
      <Frame onSignOut={signOut}>
        <Teams />
      </Frame>
    )
  }
  if ((segs[0] === 'admin' || segs[0] === 'tokens') && segs.length === 1) {
    return (
      <Frame onSignOut={signOut}>
        <Suspense fallback={<Loading what="Loading the page" />}>{segs[0] === 'admin' ? <Admin /> : <MyTokens />}</Suspense>
      </Frame>
    )
  }
  if (segs[0] === 'admin' && segs[1] === 'shared-sources' && segs.length === 2) {
    return (
      <Frame onSignOut={signOut}>
        <Suspense fallback={<Loading what="Loading the page" />}>
          <SharedSources />
        </Suspense>
      </Frame>
    )
  }
  if (segs[0] === 't' && segs[1]) {
    return <TeamShell team={segs[1]} rest={segs.slice(2)} onSignOut={signOut} />
  }
  return (
    <Frame onSignOut={signOut}>
      <NotFound />
    </Frame>
  )
}

function NotFound() {
  return (
    <section>
      <h1 tabIndex={-1}>Page not found</h1>
      <p>
        Nothing lives at this address. <Link to={urls.teams()}>Go to your teams</Link>.
      </p>
    </section>
  )
}

/** The page frame: skip link, header, main. Focus moves to main on navigation. */
function Frame({ children, nav, team, onSignOut }: { children: ReactNode; nav?: ReactNode; team?: string; onSignOut?: () => void }) {
  const main = useRef<HTMLElement | null>(null)
  const loc = useLocation()
  useEffect(() => {
    if (lastNavigationWasPush) main.current?.focus({ preventScroll: false })
  }, [loc.path])
  return (
    <div className={`frame${nav ? ' with-nav' : ''}`}>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link to={urls.teams()} className="brand" aria-label="depc, your teams">
          <img src="/favicon.svg" alt="" width="22" height="22" /> depc
        </Link>
        {team && (
          <span className="topbar-team">
            <span className="muted">team</span> <Link to={urls.team(team)}>{team}</Link>
            <Link to={urls.teams()} className="small-link">switch</Link>
          </span>
        )}
        <span className="spacer" />
        {onSignOut && <AccountLinks />}
        {onSignOut && (
          <button type="button" className="button ghost small" onClick={onSignOut}>
            Sign out
          </button>
        )}
      </header>
      {nav}
      <main id="main" ref={main} tabIndex={-1}>
        {onSignOut && <NewsBanner />}
        {children}
      </main>
    </div>
  )
}

/** Links to the caller's own tokens, and to the instance's administration for admins (GET /me). */
function AccountLinks() {
  const me = useApi<Me>('/me')
  if (!me.data) return null
  return (
    <>
      <Link to={urls.myTokens()} className="small-link">My tokens</Link>
      {me.data.admin && <Link to={urls.admin()} className="small-link">Admin</Link>}
    </>
  )
}

function TeamShell({ team, rest, onSignOut }: { team: string; rest: string[]; onSignOut: () => void }) {
  const info = useApi<Team>(teamPath(team))
  const labels = useApi<Label[]>(`${teamPath(team)}/labels`)
  const me = useApi<Me>('/me')
  const loc = useLocation()
  const [page, a, b, c] = rest

  let content: ReactNode
  if (info.error) content = <ErrorBox error={info.error} title={`Team ${team}`} retry={info.reload} />
  else if (!info.data) content = <Loading what={`Loading team ${team}`} />
  else {
    const zone = info.data.timezone || 'UTC'
    const tz = isValidZone(zone) ? zone : 'UTC'
    const ctx = { team: info.data, tz, labels: labels.data ?? [], labelsLoaded: labels.data !== undefined, reloadLabels: labels.reload }
    let view: ReactNode
    if (!page) view = <Dashboard />
    else if (page === 'labels' && !a) view = <Labels />
    else if (page === 'labels' && a && !b) view = <LabelPage label={a} />
    else if (page === 'labels' && a && b === 'nodes' && c && rest.length === 4) view = <NodePage label={a} name={c} />
    else if (page === 'labels' && a && b === 'nodes' && c && rest[4] === 'explore' && rest.length === 5) view = <Explorer label={a} name={c} />
    else if (page === 'labels' && a && b === 'nodes' && c && rest[4] === 'incident' && rest.length === 5) view = <IncidentPage label={a} name={c} />
    else if (page === 'config' && !a) view = <ConfigPage />
    else if (page === 'sources' && !a) view = <Sources />
    else if (page === 'checks' && !a) view = <Checks />
    else if (page === 'rules' && !a) view = <Rules />
    else if (page === 'runs' && !a) view = <Runs />
    else if (page === 'runs' && a && !b) view = <RunPage id={a} />
    else if (page === 'statistics' && !a) view = <Statistics />
    else if (page === 'report' && !a) view = <Report />
    else if (page === 'rejected' && !a) view = <Rejected />
    else if (page === 'alerts' && !a) view = <Alerts />
    else if (page === 'access' && !a) view = <Access />
    else view = <NotFound />
    content = (
      <TeamContext.Provider value={ctx}>
        <Suspense fallback={<Loading what="Loading the page" />}>{view}</Suspense>
      </TeamContext.Provider>
    )
  }

  const here = loc.path
  const item = (to: string, text: string, exact = false) => {
    const current = exact ? here === to : here === to || here.startsWith(to + '/')
    return (
      <li>
        <Link to={to} aria-current={current ? 'page' : undefined}>
          {text}
        </Link>
      </li>
    )
  }
  const nav = (
    <nav className="sidenav" aria-label="Team">
      <ul>
        {item(urls.team(team), 'Dashboard', true)}
        {item(urls.report(team), 'Monthly report')}
        {item(urls.labels(team), 'Labels', true)}
      </ul>
      {labels.data && labels.data.length > 0 && (
        <ul className="sidenav-labels" aria-label="Labels">
          {labels.data.map((l) => (
            <li key={l.name}>
              <Link to={urls.label(team, l.name)} aria-current={here === urls.label(team, l.name) || here.startsWith(urls.label(team, l.name) + '/') ? 'page' : undefined}>
                {l.name} <span className="count">{formatInt(l.nodes)}</span>
              </Link>
            </li>
          ))}
        </ul>
      )}
      <ul>
        {item(urls.config(team), 'Configuration')}
        {item(urls.sources(team), 'Sources')}
        {item(urls.checks(team), 'Checks')}
        {item(urls.rules(team), 'Rules')}
        {item(urls.runs(team), 'Runs')}
        {item(urls.statistics(team), 'Statistics')}
        {item(urls.rejected(team), 'Rejected messages')}
        {item(urls.alerts(team), 'Alerts')}
        {canManage(me.data, team) && item(urls.access(team), 'Access')}
      </ul>
      {info.data && (
        <p className="sidenav-tz">
          Times in <strong>{info.data.timezone || 'UTC'}</strong>
        </p>
      )}
    </nav>
  )
  return (
    <Frame nav={nav} team={team} onSignOut={onSignOut}>
      {content}
    </Frame>
  )
}

