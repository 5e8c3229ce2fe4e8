// End-to-end tests of the web UI in Chromium, driven by playwright-core.
//
//   npm run e2e
//
// Target: DEPC_E2E_URL (e.g. a `depc serve --demo` on a free port) with the
// token DEPC_E2E_TOKEN. Without DEPC_E2E_URL the runner starts the mock API of
// e2e/mock-server.mjs with the built dist/ (run `npm run build` first).
// The team is DEPC_E2E_TEAM (default acme); it must hold the tutorial graph
// (Website foo.com → Filer filer1/filer2, Apache apache1/apache2).
// Chromium: DEPC_E2E_CHROMIUM (default /usr/bin/chromium, Debian's package).
// Screenshots of every page go to e2e/screenshots/ (not committed).
// DEPC_E2E_ONLY=name,name runs some scenarios only.

import { createHmac } from 'node:crypto'
import { existsSync, mkdirSync } from 'node:fs'
import { createServer } from 'node:http'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'
import { addDays, dayOf } from './model.mjs'

const here = fileURLToPath(new URL('.', import.meta.url))
const shots = `${here}screenshots/`
mkdirSync(shots, { recursive: true })

let base = process.env.DEPC_E2E_URL?.replace(/\/$/, '')
const token = process.env.DEPC_E2E_TOKEN ?? 'demo-token'
const team = process.env.DEPC_E2E_TEAM ?? 'acme'
const only = process.env.DEPC_E2E_ONLY?.split(',').filter(Boolean)
let mock = null
if (base && !process.env.DEPC_E2E_TOKEN) {
  console.error('e2e: DEPC_E2E_TOKEN is required with DEPC_E2E_URL')
  process.exit(2)
}
if (!base) {
  if (!existsSync(`${here}../dist/app.html`)) {
    console.error('e2e: dist/app.html is missing: run `npm run build` first (or set DEPC_E2E_URL)')
    process.exit(2)
  }
  const { startMock } = await import('./mock-server.mjs')
  mock = await startMock({ port: 0 })
  base = mock.url
  console.log(`e2e: no DEPC_E2E_URL, using the mock API at ${base}`)
}

/** Calls the API directly, to compare what the UI shows with what the API says. */
async function api(path, { method = 'GET', body, auth = token } = {}) {
  const res = await fetch(`${base}/api/v1${path}`, {
    method,
    headers: { Authorization: `Bearer ${auth}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await res.text()
  return { status: res.status, body: text ? JSON.parse(text) : null }
}

function assert(cond, msg) {
  if (!cond) throw new Error(`assertion failed: ${msg}`)
}

const enc = encodeURIComponent
const T = `/teams/${enc(team)}`
const teamInfo = (await api(T)).body
assert(teamInfo && teamInfo.name === team, `GET ${T} answers the team (got ${JSON.stringify(teamInfo)})`)
const tz = teamInfo.timezone || 'UTC'
const yesterday = addDays(dayOf(Date.now() / 1000, tz), -1)
const monthStart = addDays(yesterday, -29)

/** The worst day of foo.com in the last 30 days, and its root cause. */
async function badDay() {
  const days = (await api(`${T}/labels/Website/nodes/foo.com/qos?start=${monthStart}&end=${yesterday}`)).body
  assert(Array.isArray(days) && days.length > 0, 'foo.com has computed days in the last 30 days')
  const worst = days.filter((d) => d.qos !== null).sort((a, b) => a.qos - b.qos)[0]
  assert(worst && worst.qos < 100, 'foo.com has a day below 100')
  const rc = (await api(`${T}/labels/Website/nodes/foo.com/rootcause?day=${worst.day}`)).body
  return { day: worst.day, qos: worst.qos, rc }
}

const scenarios = {
  async signin({ page }) {
    await page.goto(`${base}/`)
    await page.getByLabel('API token').fill('not-a-token')
    await page.getByRole('button', { name: 'Sign in' }).click()
    const wrong = await api('/teams', { auth: 'not-a-token' })
    assert(wrong.status === 401, 'the API refuses an unknown token')
    await page.getByRole('alert').filter({ hasText: wrong.body.error.message }).waitFor()
    await shot(page, 'signin-error')
    await page.getByLabel('API token').fill(token)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByRole('heading', { name: 'Teams' }).waitFor()
    const teams = (await api('/teams')).body
    for (const t of teams) await page.getByRole('link', { name: new RegExp(`^${t.name}\\b`) }).waitFor()
    await shot(page, 'teams')
    await page.getByRole('link', { name: new RegExp(`^${team}\\b`) }).click()
    await page.waitForURL(`${base}/t/${team}`)
    await page.getByText('Team dashboard').waitFor()
    // The token stays for this tab: a reload stays signed in.
    await page.reload()
    await page.getByText('Team dashboard').waitFor()
  },

  async dashboard({ page }) {
    await page.goto(`${base}/t/${enc(team)}`)
    const qos = (await api(`${T}/qos?start=${monthStart}&end=${yesterday}`)).body
    const labels = Object.keys(qos.labels)
    assert(labels.length > 0, 'the API has label averages')
    for (const label of labels) {
      const known = qos.labels[label].filter((d) => d.qos !== null)
      const want = known.length ? String(known[known.length - 1].qos) : '—'
      const cell = page.locator(`tr[data-label="${label}"] [data-testid="latest"] .qos`)
      await cell.waitFor()
      const got = (await cell.innerText()).split('\n')[0].trim()
      assert(got.startsWith(want) && !/\d/.test(got.slice(want.length, want.length + 1)), `${label}: dashboard shows ${got}, API says ${want}`)
    }
    const website = (await api(`${T}/labels/Website/worst?day=${yesterday}&limit=5`)).body
    const card = page.locator('.worst-card[data-label="Website"]')
    await card.waitFor()
    if (website.length) {
      await card.locator('tbody tr').first().waitFor()
      const names = await card.locator('tbody th a').allInnerTexts()
      assert(JSON.stringify(names) === JSON.stringify(website.map((w) => w.name)), `worst Website nodes ${names} = API ${website.map((w) => w.name)}`)
    }
    await page.locator('.chart canvas').first().waitFor()
    await page.locator('#runs table, #runs .state.empty').first().waitFor()
    await shot(page, 'dashboard')
  },

  async rootcause({ page }) {
    const { day, rc } = await badDay()
    const top = rc.causes[0]
    assert(top && top.overlap > 0, `the API explains foo.com's KO on ${day}`)
    assert(['Filer', 'Apache'].includes(top.label), `the top cause is a filer or an apache (${top.label})`)
    await page.goto(`${base}/t/${enc(team)}/labels/Website/nodes/foo.com?day=${day}`)
    const cause = page.getByTestId('top-cause')
    await cause.waitFor()
    const text = await cause.innerText()
    assert(text.trim() === `${top.label} ${top.name}`, `root-cause panel names ${text}, API says ${top.label} ${top.name}`)
    // The causes' timelines are drawn under the node's, with KO intervals.
    await page.locator('#rootcause .tl-lane').nth(1).waitFor()
    const koRects = await page.locator('#rootcause .tl-ko').count()
    assert(koRects > 0, 'KO intervals are drawn in the root-cause panel')
    if (rc.explanation) {
      // The server explains why (docs/rootcause.md): the panel says it in the API's words.
      const summary = await page.getByTestId('rc-summary').innerText()
      assert(summary.trim() === rc.explanation.summary, `the root-cause summary reads ${summary}, API says ${rc.explanation.summary}`)
    }
    const dayQos = await page.getByTestId('day-qos').innerText()
    assert(dayQos.includes(String(rc.node.qos)), `the day's QoS ${dayQos} is the API's ${rc.node.qos}`)
    await page.locator('#relations tbody tr').first().waitFor()
    await page.locator('#live .facts, #live .state').first().waitFor()
    await shot(page, 'node')
  },

  async incident({ page }) {
    // Customer → cause → evidence → note → export: an incident reviewer goes
    // from the offer's bad day to the component that caused it, with times,
    // notes what the team learned and exports it for the postmortem.
    const { day } = await badDay()
    await page.goto(`${base}/t/${enc(team)}/labels/Offer/nodes/premium?day=${day}`)
    await page.locator('#rootcause').getByRole('link', { name: 'Incident view' }).click()
    await page.waitForURL(/\/labels\/Offer\/nodes\/premium\/incident\?from=.*&to=/)
    const offerUrl = new URL(page.url())
    const offer = (await api(`${T}/labels/Offer/nodes/premium/incident?${offerUrl.searchParams}`)).body
    assert(offer.causes.length > 0, `the API names the causes of premium's loss on ${day}`)
    await page.getByTestId('incident-summary').waitFor()
    assert((await page.getByTestId('incident-summary').innerText()).trim() === offer.summary, `the incident view says the API's summary: ${offer.summary}`)
    assert((await page.getByTestId('incident-cause').count()) === offer.causes.length, `the view ranks the ${offer.causes.length} causes`)
    const first = page.getByTestId('incident-cause').first()
    assert((await first.locator('th').innerText()).trim() === `${offer.causes[0].label} ${offer.causes[0].name}`, 'the first cause is the API\'s')
    await shot(page, 'incident-offer')

    // The cause: its leaf page shows its rule's checks and datapoints directly.
    const top = offer.causes[0]
    await first.locator('th a').click()
    await page.waitForURL(new RegExp(`/labels/${top.label}/nodes/${enc(top.name)}\\?day=`))
    const checks = page.locator('#checks [data-testid="rule-result"]')
    await checks.waitFor({ timeout: 30000 })
    assert((await checks.locator('.timeline').first().locator('.tl-lane:not(.tl-axis)').count()) >= 2, 'the leaf page draws its rule and each check')
    await checks.locator('.points-chart canvas').first().waitFor()
    await shot(page, 'leaf-checks')

    // The website's incident: its timeline, the causal subgraph, the evidence.
    await page.goto(`${base}/t/${enc(team)}/labels/Website/nodes/foo.com?day=${day}`)
    await page.locator('#rootcause').getByRole('link', { name: 'Incident view' }).click()
    await page.waitForURL(/\/nodes\/foo\.com\/incident\?/)
    const permalink = page.url()
    const q = new URL(permalink).searchParams
    const x = (await api(`${T}/labels/Website/nodes/foo.com/incident?${q}`)).body
    await page.getByTestId('incident-summary').waitFor()
    assert((await page.getByTestId('incident-summary').innerText()).trim() === x.summary, `foo.com's summary is the API's: ${x.summary}`)
    assert((await page.getByTestId('permalink').innerText()).trim() === permalink, `the permanent link is the page's URL (${permalink})`)
    await page.locator('#summary .tl-ko').first().waitFor()
    await page.locator('#graph canvas').first().waitFor()
    const withEvidence = x.causes.findIndex((c) => c.checks.some((ch) => ch.evidence.length > 0))
    assert(withEvidence >= 0, 'a cause of foo.com comes with its datapoints')
    await page.getByTestId('incident-cause').nth(withEvidence).getByRole('link', { name: 'datapoints' }).click()
    const ev = page.locator(`#evidence-${withEvidence}`)
    await ev.locator('.evidence-table tbody tr').first().waitFor()
    const point = x.causes[withEvidence].checks.find((ch) => ch.evidence.length > 0).evidence[0]
    const cell = (await ev.locator('.evidence-table tbody tr').first().locator('td').nth(2).innerText()).trim()
    assert(cell === String(point.value ?? 'null'), `the first datapoint's value ${cell} is the API's ${point.value}`)

    // A note: written in the view, stored by the API with its author, drawn on the timeline.
    const text = `e2e note ${Date.now().toString(36)}: filer replaced`
    let noteId = null
    try {
      await page.locator('#notes').getByRole('button', { name: 'Add a note…' }).click()
      const form = page.getByRole('form', { name: 'New note' })
      await form.getByRole('textbox', { name: /^Note on/ }).fill(text)
      await form.getByRole('button', { name: 'Add the note' }).click()
      await page.getByTestId('note').filter({ hasText: text }).waitFor()
      const notes = (await api(`${T}/annotations?label=Website&name=foo.com`)).body
      const saved = notes.find((a) => a.text === text)
      assert(saved && saved.author, `the API keeps the note with its author (${JSON.stringify(saved)})`)
      noteId = saved.id
      await page.locator('#summary .tl-note').first().waitFor()
      await shot(page, 'incident')

      // Export: Markdown and JSON, ready to paste into a postmortem.
      const exported = async (name) => {
        const [dl] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name }).click()])
        const { readFile } = await import('node:fs/promises')
        return { file: dl.suggestedFilename(), text: await readFile(await dl.path(), 'utf8') }
      }
      const md = await exported('Export Markdown')
      assert(md.file.startsWith('incident-Website-foo.com-') && md.file.endsWith('.md'), `the Markdown file is named for the incident (${md.file})`)
      assert(md.text.startsWith('# Incident review: Website foo.com'), 'the Markdown is the review of foo.com')
      assert(md.text.includes(x.summary), 'the Markdown says the summary')
      assert(md.text.includes(text), 'the Markdown holds the new note')
      const js = await exported('Export JSON')
      const doc = JSON.parse(js.text)
      assert(doc.node.name === 'foo.com' && doc.causes.length === x.causes.length && doc.annotations.some((a) => a.text === text), 'the JSON export has the causes and the note')

      // The permanent link shows the same review.
      await page.goto(permalink)
      await page.getByTestId('incident-summary').waitFor()
      assert((await page.getByTestId('incident-summary').innerText()).trim() === x.summary, 'the permanent link shows the same review')
    } finally {
      if (noteId !== null) await api(`${T}/annotations/${noteId}`, { method: 'DELETE' })
    }
  },

  async explorer({ page }) {
    const { day, rc } = await badDay()
    await page.goto(`${base}/t/${enc(team)}/labels/Website/nodes/foo.com/explore?day=${day}`)
    await page.locator('.graph canvas').first().waitFor()
    const items = page.locator('.node-list li')
    await items.first().waitFor()
    assert((await items.count()) === rc.graph.nodes.length, `the explorer lists the ${rc.graph.nodes.length} nodes of the subgraph`)
    for (const n of rc.graph.nodes) await page.locator('.node-list li', { hasText: n.name }).first().waitFor()
    // Something is drawn on the canvas (not a blank graph).
    const drawn = await page.evaluate(() => {
      const cs = [...document.querySelectorAll('.graph canvas')]
      return cs.some((c) => {
        const ctx = c.getContext('2d')
        if (!ctx || !c.width || !c.height) return false
        const d = ctx.getImageData(0, 0, c.width, c.height).data
        for (let i = 3; i < d.length; i += 4 * 17) if (d[i] !== 0) return true
        return false
      })
    })
    assert(drawn, 'the graph canvas has pixels')
    // Every node of the subgraph is drawn with a size (Cytoscape keeps its instance on the container).
    const visible = await page.evaluate(() => document.querySelector('.graph')._cyreg.cy.nodes().filter((n) => n.visible()).length)
    assert(visible === rc.graph.nodes.length, `${visible} of ${rc.graph.nodes.length} nodes are visible in the graph`)
    // A click on a drawn node selects it.
    const second = rc.causes[rc.causes.length - 1]
    const at = await page.evaluate((id) => {
      const el = document.querySelector('.graph')
      const p = el._cyreg.cy.getElementById(id).renderedPosition()
      const box = el.getBoundingClientRect()
      return { x: box.left + p.x, y: box.top + p.y }
    }, `${second.label}/${second.name}`)
    await page.mouse.click(at.x, at.y)
    await page.locator('.selected-node h2', { hasText: second.name }).waitFor()
    // Select a dependency from the list and expand it.
    const leaf = rc.causes[0]
    await page.locator('.node-list li button', { hasText: leaf.name }).click()
    await page.locator('.selected-node h2', { hasText: leaf.name }).waitFor()
    await page.getByRole('button', { name: /Expand dependencies|Expanded/ }).click()
    await page.getByRole('button', { name: 'Expanded' }).waitFor()
    const afterExpand = await page.evaluate(() => document.querySelector('.graph')._cyreg.cy.nodes().filter((n) => n.visible()).length)
    assert(afterExpand >= rc.graph.nodes.length, `after expanding, ${afterExpand} nodes are visible`)
    // Travel one day back with the slider's button: the URL follows.
    await page.getByRole('button', { name: 'Previous day' }).click()
    await page.waitForURL(new RegExp(`day=${addDays(day, -1)}`))
    await page.locator('.graph canvas').first().waitFor()
    await page.getByRole('button', { name: 'Next day' }).click()
    await page.waitForURL(new RegExp(`day=${day}`))
    await page.locator('.node-list li').first().waitFor()
    await shot(page, 'explorer')
  },

  async config({ page }) {
    const before = (await api(`${T}/config`)).body
    const bad = { ...before.config, Website: { qos: 'operation.AND[Filer, Nope]' } }
    const refused = await api(`${T}/config`, { method: 'PUT', body: bad })
    assert(refused.status === 400, 'the API refuses a config naming an unconfigured label')
    await page.goto(`${base}/t/${enc(team)}/config`)
    const editor = page.getByLabel('Configuration JSON')
    await editor.waitFor()
    await page.locator('#label-graph canvas').first().waitFor()
    await shot(page, 'config')
    await editor.fill(JSON.stringify(bad, null, 2))
    await page.getByRole('button', { name: 'Save a new version' }).click()
    const err = page.getByTestId('config-error')
    await err.waitFor()
    const text = await err.innerText()
    assert(text.includes(refused.body.error.message), `the editor shows the API's message "${refused.body.error.message}" (got ${text})`)
    assert((await editor.getAttribute('aria-invalid')) === 'true', 'the editor is marked invalid')
    await shot(page, 'config-error')
    await editor.fill('{"Website": ')
    await page.getByText('Not valid JSON').waitFor()
    const after = (await api(`${T}/config`)).body
    assert(String(after.id) === String(before.id), 'the current config did not change')
    await page.locator('#history tbody tr').first().waitFor()
  },

  async rules({ page }) {
    const rules = (await api(`${T}/rules`)).body
    assert(rules.length > 0, 'the team has a rule')
    const { day } = await badDay()
    await page.goto(`${base}/t/${enc(team)}/rules`)
    await page.getByLabel('Node name').fill('filer1')
    await page.getByLabel('Rule', { exact: true }).selectOption(rules[0].name)
    await page.getByLabel('Day', { exact: true }).fill(day)
    await page.getByRole('button', { name: 'Run', exact: true }).click()
    const result = page.getByTestId('rule-result')
    await result.waitFor({ timeout: 30000 })
    const lanes = await result.locator('.timeline').first().locator('.tl-lane:not(.tl-axis)').count()
    const w = await page.evaluate(() => new URL(location.href).searchParams.toString())
    assert(/rule=/.test(w) && /node=filer1/.test(w) && new RegExp(`day=${day}`).test(w), `the run is in the URL (${w})`)
    const start = Math.round((await dayBounds(page, day)).start)
    const end = Math.round((await dayBounds(page, day)).end)
    const exec = (await api(`${T}/rules/${enc(rules[0].name)}/execute`, { method: 'POST', body: { name: 'filer1', start, end } })).body
    assert(lanes === exec.checks.length + 1, `one timeline per check plus the rule (${lanes} vs ${exec.checks.length + 1})`)
    const shown = await result.locator('.facts .qos').first().innerText()
    assert(shown.startsWith(String(exec.qos ?? '—')), `the rule's QoS ${shown} is the API's ${exec.qos}`)
    if (exec.checks.some((c) => c.points)) await result.locator('.points-chart canvas').first().waitFor()
    await shot(page, 'rules')
  },

  async access({ page }) {
    // An admin creates a user (its token shown once), grants it viewer on the
    // team, gives it a second token, then revokes that token: each step
    // checked against the API with the token itself.
    const user = `e2e-${Date.now().toString(36)}`
    try {
      await page.goto(`${base}/admin`)
      await page.getByRole('heading', { level: 1, name: 'Admin' }).waitFor()
      await page.getByRole('button', { name: 'New user' }).click()
      const uform = page.getByRole('form', { name: 'New user' })
      await uform.getByLabel('User name').fill(user)
      await uform.getByRole('button', { name: 'Create' }).click()
      const first = (await page.getByRole('region', { name: `Token of ${user}` }).getByTestId('secret').textContent()).trim()
      assert((await api('/me', { auth: first })).body?.name === user, 'the shown token is the new user\'s')
      await page.locator('#users tbody th', { hasText: user }).waitFor()

      await page.goto(`${base}/t/${enc(team)}/access`)
      await page.getByRole('button', { name: 'Grant a role' }).click()
      const gform = page.getByRole('form', { name: 'New grant' })
      await gform.getByLabel('User').fill(user)
      await gform.getByLabel('Role').selectOption('viewer')
      await gform.getByRole('button', { name: 'Grant' }).click()
      await page.locator('#grants tbody tr', { hasText: user }).waitFor()
      const mine = (await api('/me', { auth: first })).body
      assert(mine.grants.some((g) => g.team === team && g.role === 'viewer'), `the user is a viewer of ${team} (${JSON.stringify(mine.grants)})`)
      assert((await api(T, { auth: first })).status === 200, 'the viewer reads the team')
      await page.reload()
      await page.locator('#audit tbody tr', { hasText: `/grants/${user}` }).first().waitFor()
      await shot(page, 'access')

      await page.goto(`${base}/admin`)
      await page.locator('#users tbody tr', { hasText: user }).getByRole('button', { name: 'Tokens' }).click()
      const tokens = page.locator('#user-tokens')
      await tokens.getByRole('button', { name: 'New token' }).click()
      const tform = page.getByRole('form', { name: `New token for ${user}` })
      await tform.getByLabel('Token name').fill('ci')
      await tform.getByRole('button', { name: 'Create' }).click()
      const second = (await tokens.getByRole('region', { name: 'Token ci' }).getByTestId('secret').textContent()).trim()
      assert((await api('/me', { auth: second })).status === 200, 'the new token works')
      const row = tokens.locator('tbody tr', { hasText: 'ci' })
      await row.getByRole('button', { name: 'Delete…' }).click()
      await row.getByRole('button', { name: 'Delete token ci' }).click()
      await row.waitFor({ state: 'detached' })
      assert((await api('/me', { auth: second })).status === 401, 'the revoked token is refused')
      assert((await api('/me', { auth: first })).status === 200, 'the other token still works')
      await shot(page, 'admin')
    } finally {
      await api(`/users/${enc(user)}`, { method: 'DELETE' })
    }
  },

  async shared({ page }) {
    // An admin adds a shared source enforcing team={team}, grants it to the
    // team with a label of its own, and the team's Sources page shows it with
    // the labels its queries match; then the admin keeps the team to shared
    // sources through its limits, and everything is undone.
    const name = `e2e-shared-${Date.now().toString(36)}`
    const mgr = `e2e-mgr-${Date.now().toString(36)}`
    try {
      await page.goto(`${base}/admin`)
      await page.getByRole('link', { name: 'Shared sources' }).click()
      await page.getByRole('heading', { level: 1, name: 'Shared sources' }).waitFor()
      await page.getByRole('button', { name: 'New shared source' }).click()
      const form = page.getByRole('form', { name: 'New shared source' })
      await form.getByLabel('Name').fill(name)
      await form.getByLabel('Plugin').selectOption('Fake')
      await form.getByLabel('Description').fill('Generated data for every team')
      await form.getByRole('button', { name: 'Create' }).click()
      const row = page.locator('#shared-sources tbody tr', { hasText: name })
      await row.filter({ hasText: '{team="{team}"}' }).waitFor()
      await row.getByRole('button', { name: 'Grants' }).click()
      const grants = page.locator('#shared-grants')
      await grants.getByRole('button', { name: 'Grant to a team' }).click()
      const gform = page.getByRole('form', { name: `Grant ${name}` })
      await gform.getByLabel('Team', { exact: true }).selectOption(team)
      await gform.getByLabel(/Labels for this team alone/).fill('env=prod')
      await gform.getByRole('button', { name: 'Grant' }).click()
      await grants.locator('tbody tr', { hasText: team }).filter({ hasText: `{team="${team}", env="prod"}` }).waitFor()
      const granted = (await api(`/shared-sources/${enc(name)}/grants/${enc(team)}`)).body
      assert(granted.effective.length === 2 && granted.effective[0].value === team, `the API has the grant (${JSON.stringify(granted)})`)
      await shot(page, 'shared-sources')

      await page.goto(`${base}/t/${enc(team)}/sources`)
      await page.locator('#team-shared-sources tbody tr', { hasText: name }).filter({ hasText: `{team="${team}", env="prod"}` }).waitFor()
      await page.locator('#sources tbody tr', { hasText: name }).filter({ hasText: 'granted by an admin' }).waitFor()
      await shot(page, 'team-shared-sources')

      await page.goto(`${base}/t/${enc(team)}/access`)
      const limits = page.locator('#limits')
      await limits.getByRole('button', { name: 'Edit the overrides' }).click()
      const lform = page.getByRole('form', { name: `Limits of ${team}` })
      await lform.getByLabel('Labels').fill('-1')
      await lform.getByRole('button', { name: 'Save' }).click()
      await lform.getByRole('alert').filter({ hasText: 'labels' }).waitFor()
      await lform.getByLabel('Labels').fill('')
      await lform.getByLabel('Own sources').selectOption('deny')
      await lform.getByRole('button', { name: 'Save' }).click()
      await limits.locator('tr', { hasText: 'May create its own sources' }).filter({ hasText: 'shared sources only' }).waitFor()
      assert((await api(`${T}/limits`)).body.overrides.own_sources === 'deny', 'the API has own_sources deny')
      await shot(page, 'limits')

      // A manager of the team (signed in by the proxy header) is told the
      // team uses shared sources, and offered no New source.
      assert((await api('/users', { method: 'POST', body: { name: mgr } })).status === 201, 'the manager is created')
      assert((await api(`${T}/grants/${enc(mgr)}`, { method: 'PUT', body: { role: 'manager' } })).status === 200, 'the manager is granted')
      const other = await page.context().browser().newContext({ viewport: { width: 1360, height: 900 } })
      try {
        const p2 = await other.newPage()
        await p2.setExtraHTTPHeaders({ 'X-Remote-User': mgr })
        await p2.goto(`${base}/t/${enc(team)}/sources`)
        await p2.getByRole('status').filter({ hasText: 'uses the shared sources an admin granted it' }).waitFor()
        await p2.locator('#team-shared-sources tbody tr', { hasText: name }).waitFor()
        assert(!(await p2.getByRole('button', { name: 'New source' }).isVisible()), 'no New source for a manager kept to shared sources')
        await shot(p2, 'sources-shared-only')
      } finally {
        await other.close()
      }
    } finally {
      await api(`/users/${enc(mgr)}`, { method: 'DELETE' })
      await api(`${T}/limits`, { method: 'PUT', body: {} })
      await api(`/shared-sources/${enc(name)}/grants/${enc(team)}`, { method: 'DELETE' })
      await api(`/shared-sources/${enc(name)}`, { method: 'DELETE' })
    }
  },

  async teamadmin({ page }) {
    // An admin renames a throwaway team on its Access page, then deletes it
    // by typing its name; the API agrees at each step.
    const id = Date.now().toString(36)
    const first = `e2e-t-${id}`
    const second = `e2e-r-${id}`
    try {
      assert((await api('/teams', { method: 'POST', body: { name: first } })).status === 201, 'the team is created')
      await page.goto(`${base}/t/${enc(first)}/access`)
      const section = page.locator('#team-admin')
      await section.getByRole('button', { name: 'Rename the team…' }).click()
      const form = page.getByRole('form', { name: `Rename team ${first}` })
      await form.getByLabel('New name').fill(second)
      await form.getByRole('button', { name: 'Rename' }).click()
      await page.waitForURL(`${base}/t/${enc(second)}/access`)
      assert((await api(`/teams/${enc(second)}`)).status === 200, 'the API has the new name')
      assert((await api(`/teams/${enc(first)}`)).status === 404, 'the old name is gone')
      const del = page.getByRole('form', { name: `Delete team ${second}` })
      const button = del.getByRole('button', { name: `Delete team ${second}` })
      assert(await button.isDisabled(), 'deleting needs the name typed')
      await del.getByLabel('Team name').fill(second.slice(0, -1))
      assert(await button.isDisabled(), 'a wrong name keeps the button disabled')
      await del.getByLabel('Team name').fill(second)
      await shot(page, 'team-admin')
      await button.click()
      await page.waitForURL(`${base}/`)
      await page.getByRole('heading', { level: 1, name: 'Teams' }).waitFor()
      assert((await api(`/teams/${enc(second)}`)).status === 404, 'the API no longer has the team')
    } finally {
      await api(`/teams/${enc(first)}`, { method: 'DELETE' })
      await api(`/teams/${enc(second)}`, { method: 'DELETE' })
    }
  },

  async proxy({ page }) {
    // Behind a reverse proxy that names the user (api.proxy_auth; the
    // e2e server trusts 127.0.0.1), the app signs in without a token.
    const user = `e2e-proxy-${Date.now().toString(36)}`
    try {
      assert((await api('/users', { method: 'POST', body: { name: user } })).status === 201, 'the user is created')
      assert((await api(`${T}/grants/${enc(user)}`, { method: 'PUT', body: { role: 'viewer' } })).status === 200, 'the user is a viewer')
      await page.setExtraHTTPHeaders({ 'X-Remote-User': user })
      await page.goto(`${base}/`)
      await page.getByRole('heading', { level: 1, name: 'Teams' }).waitFor()
      await page.getByRole('link', { name: new RegExp(`^${team}`) }).first().waitFor()
      assert(!(await page.getByRole('link', { name: 'Admin' }).isVisible()), 'a viewer sees no Admin link')
      await shot(page, 'proxy-signed-in')
    } finally {
      await api(`/users/${enc(user)}`, { method: 'DELETE' })
    }
  },

  async crud({ page }) {
    // Create a source, a check and a rule through the forms, edit the rule,
    // see the API refuse to delete a source in use, then clean up.
    const id = `e2e-${Date.now().toString(36)}`
    const src = `${id}-src`
    const check = `${id} check`
    const rule = `${id} rule`
    try {
      await page.goto(`${base}/t/${enc(team)}/sources`)
      await page.getByRole('button', { name: 'New source' }).click()
      const sform = page.getByRole('form', { name: 'New source' })
      await sform.getByLabel('Name').fill(src)
      await sform.getByLabel('Plugin').selectOption('Fake')
      await sform.getByRole('button', { name: 'Create' }).click()
      await page.locator('#sources tbody th', { hasText: src }).waitFor()

      const refused = await api(`${T}/checks`, { method: 'POST', body: { name: check, source: src, type: 'Threshold', parameters: { query: 'depc.tutorial.ping', threshold: 'abc' } } })
      assert(refused.status === 400, `the API refuses threshold "abc" (${refused.status})`)
      await page.goto(`${base}/t/${enc(team)}/checks`)
      await page.getByRole('button', { name: 'New check' }).click()
      const cform = page.getByRole('form', { name: 'New check' })
      await cform.getByLabel('Name').fill(check)
      await cform.getByLabel('Source').selectOption(src)
      await cform.getByLabel('Metric').selectOption('depc.tutorial.ping')
      await cform.getByLabel(/Threshold/).fill('abc')
      await cform.getByRole('button', { name: 'Create' }).click()
      await cform.getByRole('alert').filter({ hasText: refused.body.error.message }).waitFor()
      await shot(page, 'check-error')
      await cform.getByLabel(/Threshold/).fill('20')
      await cform.getByRole('button', { name: 'Create' }).click()
      await page.locator('#checks tbody th', { hasText: check }).waitFor()

      await page.goto(`${base}/t/${enc(team)}/rules`)
      await page.getByRole('button', { name: 'New rule' }).click()
      const rform = page.getByRole('form', { name: 'New rule' })
      await rform.getByLabel('Name').fill(rule)
      await rform.getByLabel(check).check()
      await rform.getByRole('button', { name: 'Create' }).click()
      const row = page.locator('#rules tbody tr', { hasText: rule })
      await row.waitFor()
      await row.getByRole('button', { name: 'Edit' }).click()
      const eform = page.getByRole('form', { name: `Edit rule ${rule}` })
      const other = (await api(`${T}/checks`)).body.find((c) => c.name !== check)
      if (other) await eform.getByLabel(other.name).check()
      await eform.getByRole('button', { name: 'Save' }).click()
      await eform.waitFor({ state: 'detached' })
      const saved = (await api(`${T}/rules/${enc(rule)}`)).body
      assert(saved.checks.includes(check) && (!other || saved.checks.includes(other.name)), `the edited rule has its checks (${saved.checks})`)
      await page.locator('#rules tbody tr', { hasText: rule }).filter({ hasText: other ? other.name : check }).waitFor()

      const inUse = await api(`${T}/sources/${enc(src)}`, { method: 'DELETE' })
      assert(inUse.status === 409, `deleting a source in use is a conflict (${inUse.status})`)
      await page.goto(`${base}/t/${enc(team)}/sources`)
      const srow = page.locator('#sources tbody tr', { hasText: src })
      await srow.getByRole('button', { name: 'Delete…' }).click()
      await srow.getByRole('button', { name: `Delete ${src}` }).click()
      await srow.getByRole('alert').filter({ hasText: inUse.body.error.message }).waitFor()
      await shot(page, 'source-in-use')
    } finally {
      await api(`${T}/rules/${enc(rule)}`, { method: 'DELETE' })
      await api(`${T}/checks/${enc(check)}`, { method: 'DELETE' })
      await api(`${T}/sources/${enc(src)}`, { method: 'DELETE' })
    }
  },

  async pages({ page }) {
    // Every other page renders without error; screenshots for review.
    const pages = [
      ['label', `/t/${enc(team)}/labels/Website`, '.nodes-table tbody tr'],
      ['labels', `/t/${enc(team)}/labels`, 'table.data'],
      ['runs', `/t/${enc(team)}/runs`, '#runs table, #runs .state.empty'],
      ['rejected', `/t/${enc(team)}/rejected`, 'table.data, .state.empty'],
      ['sources', `/t/${enc(team)}/sources`, 'table.data, .state.empty'],
      ['checks', `/t/${enc(team)}/checks`, 'table.data, .state.empty'],
      ['filer-node', `/t/${enc(team)}/labels/Filer/nodes/filer1`, '#daily .daybars'],
      ['offer-node', `/t/${enc(team)}/labels/Offer/nodes/premium`, '#daily .daybars'],
    ]
    for (const [name, path, sel] of pages) {
      await page.goto(`${base}${path}`)
      await page.locator(sel).first().waitFor()
      await page.waitForLoadState('networkidle')
      await shot(page, name)
    }
    // Times are the team's, not the browser's (the browser runs in Los Angeles).
    const rejected = (await api(`${T}/messages/rejected?limit=50`)).body
    if (rejected.length) {
      await page.goto(`${base}/t/${enc(team)}/rejected`)
      const cell = page.locator('table.data tbody tr').first().locator('td').first()
      await cell.waitFor()
      const want = new Date(rejected[0].at * 1000).toLocaleString('sv-SE', { timeZone: tz, hourCycle: 'h23' })
      const got = await cell.innerText()
      assert(got === want, `rejected message time ${got} is ${want} in ${tz}`)
    }
    // A phone-sized screen still shows the node page in one column.
    await page.setViewportSize({ width: 390, height: 844 })
    await page.goto(`${base}/t/${enc(team)}/labels/Website/nodes/foo.com`)
    await page.locator('#daily .daybars').waitFor()
    await page.locator('#day .timeline, #day .state').first().waitFor()
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
    await shot(page, 'narrow-node')
    assert(overflow <= 1, `no horizontal scrolling on a narrow screen (${overflow} px too wide)`)
    await page.setViewportSize({ width: 1360, height: 900 })
    // Error states show the API's own message.
    const missing = await api(`${T}/labels/Website/nodes/no-such-node`)
    assert(missing.status === 404, 'an unknown node is a 404')
    await page.goto(`${base}/t/${enc(team)}/labels/Website/nodes/no-such-node`)
    await page.getByRole('alert').filter({ hasText: missing.body.error.message }).waitFor()
    await shot(page, 'error-node')
    const noTeam = await api('/teams/no-such-team')
    await page.goto(`${base}/t/no-such-team`)
    await page.getByRole('alert').filter({ hasText: noTeam.body.error.message }).waitFor()
    // Runs: start a recomputation of two days; it shows up with its status.
    await page.goto(`${base}/t/${enc(team)}/runs`)
    await page.getByLabel('From').fill(addDays(yesterday, -1))
    await page.getByLabel('to', { exact: true }).fill(yesterday)
    await page.getByRole('button', { name: /Recompute 2 days/ }).click()
    await page.locator('.notice.ok', { hasText: 'Run' }).waitFor()
    await shot(page, 'runs-started')
    // Paging a big label never lists it whole (the mock's team beta has a million nodes).
    if (mock) {
      await page.goto(`${base}/t/beta/labels/Host`)
      await page.locator('.nodes-table tbody tr').nth(49).waitFor()
      assert((await page.locator('.nodes-table tbody tr').count()) === 50, 'one page of 50 nodes')
      await page.getByRole('button', { name: 'Next →' }).click()
      await page.waitForURL(/after=host0000049/)
      await page.locator('.nodes-table tbody tr th', { hasText: 'host0000050' }).waitFor()
      await page.getByLabel('Search names').fill('99999')
      await page.waitForURL(/q=99999/)
      await page.locator('.nodes-table tbody tr th', { hasText: 'host0099999' }).waitFor()
      await page.waitForLoadState('networkidle')
      await shot(page, 'big-label')
    }
  },

  async objectives({ page }) {
    // Change the label's objective through its form, then read the
    // budgets on the dashboard and on a node page against the API.
    const before = await api(`${T}/labels/Website/objective`)
    try {
      await page.goto(`${base}/t/${enc(team)}/labels/Website`)
      const section = page.locator('#objective')
      await section.getByRole('button', { name: /Set an objective|Change objective/ }).click()
      const form = page.getByRole('form', { name: 'Objective of Website' })
      await form.getByLabel('Target (%)').fill('98.5')
      await form.getByLabel('Window').selectOption('rolling_30d')
      await form.getByRole('button', { name: 'Save objective' }).click()
      await section.getByTestId('objective-current').filter({ hasText: '98.5 % over rolling 30 days' }).waitFor()
      const saved = (await api(`${T}/labels/Website/objective`)).body
      assert(saved.target === 98.5 && saved.window === 'rolling_30d', `the API has the objective set in the form (${JSON.stringify(saved)})`)
      await section.locator('[data-testid="label-budget"]').waitFor()
      await shot(page, 'label-objective')

      // A refused target shows the API's message.
      const refused = await api(`${T}/labels/Website/objective`, { method: 'PUT', body: { target: 100, window: 'rolling_7d' } })
      assert(refused.status === 400, 'the API refuses a target of 100 %')
      await section.getByRole('button', { name: 'Change objective' }).click()
      await form.getByLabel('Target (%)').fill('100')
      await form.getByRole('button', { name: 'Save objective' }).click()
      await form.getByRole('alert').filter({ hasText: refused.body.error.message }).waitFor()
      await form.getByRole('button', { name: 'Cancel' }).click()

      // The dashboard: the label's budget and the worst budgets are the API's.
      await page.goto(`${base}/t/${enc(team)}`)
      const budgets = (await api(`${T}/budgets?limit=10`)).body
      const website = budgets.labels.find((l) => l.label === 'Website')
      assert(website && website.nodes > 0, 'the API has budgets for Website')
      const cell = page.locator('#budgets tr[data-label="Website"] [data-testid="label-budget"] [data-testid="budget-ratio"]')
      await cell.waitFor()
      assert((await cell.innerText()).trim() === ratioText(website.remaining_ratio), `the dashboard shows Website's budget ${await cell.innerText()}, API ${ratioText(website.remaining_ratio)}`)
      const rows = page.locator('#budgets tr[data-node]')
      await rows.first().waitFor()
      const shown = await rows.evaluateAll((rs) => rs.map((r) => r.getAttribute('data-node')))
      assert(JSON.stringify(shown) === JSON.stringify(budgets.worst.map((w) => `${w.label}/${w.name}`)), `worst budgets ${shown} = API ${budgets.worst.map((w) => w.name)}`)
      await shot(page, 'dashboard-budgets')

      // A node's page: its budget (measured live) and its burn-down chart.
      const node = budgets.worst[0]
      await page.goto(`${base}/t/${enc(team)}/labels/${enc(node.label)}/nodes/${enc(node.name)}`)
      const ratio = page.locator('#budget [data-testid="budget-remaining"] [data-testid="budget-ratio"]')
      await ratio.waitFor()
      const nb1 = (await api(`${T}/labels/${enc(node.label)}/nodes/${enc(node.name)}/budget`)).body
      const got = (await ratio.innerText()).trim()
      const nb2 = (await api(`${T}/labels/${enc(node.label)}/nodes/${enc(node.name)}/budget`)).body
      assert([ratioText(nb1.remaining_ratio), ratioText(nb2.remaining_ratio)].includes(got), `${node.name}'s page shows ${got} left, API ${ratioText(nb1.remaining_ratio)}`)
      const objective = await page.locator('#budget [data-testid="objective"]').innerText()
      assert(objective.startsWith(`${nb1.objective.target} % over`), `the node's objective reads ${objective}`)
      if (nb1.days.length > 0) await page.locator('#budget .chart canvas').first().waitFor()
      await shot(page, 'node-budget')
    } finally {
      if (before.status === 200) await api(`${T}/labels/Website/objective`, { method: 'PUT', body: { target: before.body.target, window: before.body.window } })
      else await api(`${T}/labels/Website/objective`, { method: 'DELETE' })
    }
  },

  async maintenance({ page }) {
    // Declare a window on filer1 over an hour of yesterday through the
    // node page's form: it is listed, drawn on the day's timeline, and
    // yesterday is recomputed without that hour; then delete it.
    const reason = `e2e disk swap ${Date.now().toString(36)}`
    let id = null
    try {
      await page.goto(`${base}/t/${enc(team)}/labels/Filer/nodes/filer1?day=${yesterday}`)
      const section = page.locator('#maintenance')
      await section.getByRole('button', { name: 'Declare a maintenance window' }).click()
      const form = page.getByRole('form', { name: 'New maintenance window' })
      await form.getByLabel('Covers').selectOption('node')
      await form.getByLabel(/^From/).fill(`${yesterday}T01:00`)
      await form.getByLabel(/^To/).fill(`${yesterday}T02:00`)
      await form.getByLabel('Reason').fill(reason)
      await form.getByRole('button', { name: 'Declare' }).click()
      const notice = section.locator('.notice.ok')
      await notice.waitFor()
      const listed = (await api(`${T}/maintenance?label=Filer&name=filer1`)).body.filter((m) => m.reason === reason)
      assert(listed.length === 1, `the API lists the window declared (${listed.length})`)
      const m = listed[0]
      id = m.id
      const start = (await dayBounds(page, yesterday)).start
      assert(m.from === start + 3600 && m.to === start + 7200, `the window is 01:00–02:00 of ${yesterday} in ${tz} (${m.from}–${m.to})`)
      const text = await notice.innerText()
      assert(text.includes(`Window ${id} declared for Filer filer1`) && text.includes(yesterday), `the notice names the window and the day recomputed (${text})`)
      await section.locator('tr', { hasText: reason }).waitFor()
      await page.locator('#day .tl-maint').first().waitFor()
      await shot(page, 'maintenance')

      // The recompute leaves the hour out: neither OK nor KO.
      if (!mock) {
        await waitRuns()
        const d = (await api(`${T}/labels/Filer/nodes/filer1/qos?start=${yesterday}&end=${yesterday}`)).body[0]
        assert(d.unknown >= 3600 && !d.downtime.some((iv) => iv.from < m.to && iv.to > m.from), `filer1's day has the hour as unknown (${d.unknown} s unknown)`)
      }

      const row = section.locator('tr', { hasText: reason })
      await row.getByRole('button', { name: 'Delete…' }).click()
      await row.getByRole('button', { name: `Delete window ${id}` }).click()
      await section.locator('tr', { hasText: reason }).waitFor({ state: 'detached' })
      assert((await api(`${T}/maintenance/${id}`)).status === 404, 'the window is gone')
      id = null
    } finally {
      if (id !== null) await api(`${T}/maintenance/${id}`, { method: 'DELETE' })
      if (!mock) await waitRuns()
    }
  },

  // The morning overview that acts (docs/overview.md): sort the label
  // averages by clicking and by keyboard, as the API's figures order them.
  async sorting({ page }) {
    await page.goto(`${base}/t/${enc(team)}`)
    const qos = (await api(`${T}/qos?start=${monthStart}&end=${yesterday}`)).body
    const latest = Object.entries(qos.labels).map(([label, days]) => {
      const known = days.filter((d) => d.qos !== null)
      return { label, qos: known.length ? known[known.length - 1].qos : null }
    })
    const table = page.getByRole('table', { name: 'Latest label averages' })
    await table.locator('tbody tr').first().waitFor()
    const rows = () => rowsOf(page, '#averages table.data tbody tr', 'data-label')
    const heading = table.locator('th', { hasText: 'Latest average' })
    assert((await heading.getAttribute('aria-sort')) === 'none', 'the column is not sorted at first')
    await heading.getByRole('button').click()
    assert((await heading.getAttribute('aria-sort')) === 'ascending', 'a click sorts ascending')
    const byQos = (dir) => [...latest].sort((a, b) => (a.qos === null) - (b.qos === null) || dir * (a.qos - b.qos) || 0).map((x) => x.label)
    const up = await rows()
    const wantUp = byQos(1)
    assert(JSON.stringify(up.filter((l) => latest.find((x) => x.label === l).qos !== null).map((l) => latest.find((x) => x.label === l).qos)) ===
      JSON.stringify(wantUp.filter((l) => latest.find((x) => x.label === l).qos !== null).map((l) => latest.find((x) => x.label === l).qos)), `rows ascending by latest average (${up}, API ${wantUp})`)
    assert((await heading.locator('.sort-icon').innerText()).trim() === '▲', 'the heading shows ▲')
    await shot(page, 'dashboard-sorted')
    // By keyboard: the heading's button takes focus and Enter flips the order.
    await heading.getByRole('button').focus()
    await page.keyboard.press('Enter')
    assert((await heading.getAttribute('aria-sort')) === 'descending', 'Enter sorts descending')
    const down = await rows()
    const known = (ls) => ls.filter((l) => latest.find((x) => x.label === l).qos !== null)
    assert(JSON.stringify(known(down)) === JSON.stringify(known(up).reverse()) || new Set(latest.map((x) => x.qos)).size < latest.length, `descending is ascending reversed (${down})`)
    // Sorting by label: alphabetical.
    await table.locator('th', { hasText: 'Label' }).getByRole('button').click()
    const byName = await rows()
    assert(JSON.stringify(byName) === JSON.stringify([...byName].sort((a, b) => a.localeCompare(b, 'en', { numeric: true, sensitivity: 'base' }))), `rows by label (${byName})`)
    // A label's page sorts its nodes by their range QoS.
    await page.goto(`${base}/t/${enc(team)}/labels/Filer`)
    const nodes = page.locator('.nodes-table')
    await nodes.locator('tbody tr td.num').first().waitFor()
    await page.waitForFunction(() => ![...document.querySelectorAll('.nodes-table tbody td')].some((td) => td.textContent === 'loading…'))
    const rangeHead = nodes.locator('th', { hasText: 'Range QoS' })
    await rangeHead.getByRole('button').click()
    assert((await rangeHead.getAttribute('aria-sort')) === 'ascending', 'the range QoS heading sorts ascending')
    const values = (await nodes.locator('tbody tr td:nth-child(3)').allInnerTexts()).map((t) => parseFloat(t)).filter((v) => !Number.isNaN(v))
    assert(values.length > 1 && values.every((v, i) => i === 0 || values[i - 1] <= v), `Filer nodes by range QoS: ${values}`)
  },

  // Click a day on the chart: the worst nodes of that day, the day in the
  // URL; then more nodes per label.
  async worstday({ page }) {
    await page.goto(`${base}/t/${enc(team)}`)
    const over = page.locator('#averages .u-over')
    await over.waitFor()
    const box = await over.boundingBox()
    // A third into the 30 days: not yesterday.
    await page.mouse.move(box.x + box.width / 3, box.y + box.height / 2)
    await page.mouse.click(box.x + box.width / 3, box.y + box.height / 2)
    await page.waitForURL(/[?&]day=\d{4}-\d\d-\d\d/)
    const day = new URL(page.url()).searchParams.get('day')
    assert(day >= monthStart && day < yesterday, `the day picked ${day} is in the range and not yesterday`)
    await page.getByRole('heading', { name: `Worst nodes on ${day}` }).waitFor()
    assert((await page.getByLabel('Day', { exact: true }).inputValue()) === day, 'the day field shows the day picked')
    const check = async (limit) => {
      const want = (await api(`${T}/labels/Website/worst?day=${day}&limit=${limit}`)).body.map((w) => w.name)
      const card = page.locator('.worst-card[data-label="Website"]')
      if (want.length) await card.locator(`tbody tr[data-node="${want[want.length - 1]}"]`).waitFor()
      await page.waitForFunction(([n]) => document.querySelectorAll('.worst-card[data-label="Website"] tbody tr').length === n, [want.length])
      const got = await card.locator('tbody th a').allInnerTexts()
      assert(JSON.stringify(got) === JSON.stringify(want), `Website's worst on ${day} (limit ${limit}): ${got}, API ${want}`)
    }
    await check(5)
    await shot(page, 'dashboard-day')
    // The link holds the day: a reload shows the same.
    await page.reload()
    await page.getByRole('heading', { name: `Worst nodes on ${day}` }).waitFor()
    await page.getByLabel('Nodes per label').selectOption('25')
    await page.waitForURL(/worst=25/)
    await check(25)
    await page.getByRole('button', { name: 'Back to yesterday' }).click()
    await page.getByRole('heading', { name: `Worst nodes on ${yesterday} (yesterday)` }).waitFor()
  },

  // CSV downloads: the label averages from the dashboard and a label's nodes
  // from its page, as the API answers them.
  async csv({ page }) {
    await page.goto(`${base}/t/${enc(team)}`)
    const labels = await downloaded(page, page.locator('#averages').getByRole('button', { name: 'Download CSV' }))
    const want = await apiText(`${T}/export/labels.csv?from=${monthStart}&to=${yesterday}`)
    assert(want.status === 200 && want.type.startsWith('text/csv'), `the API answers CSV (${want.status} ${want.type})`)
    assert(labels.file === `qos-labels-${monthStart}-${yesterday}.csv`, `the file is named for the range (${labels.file})`)
    assert(labels.text === want.text && labels.text.startsWith('label,day,qos,nodes\n'), 'the dashboard downloads the API\'s label CSV')
    const lines = labels.text.trim().split('\n')
    assert(lines.length > 1 && lines.slice(1).every((l) => /^[A-Z][a-zA-Z0-9]*,\d{4}-\d\d-\d\d,[0-9.]*,\d+$/.test(l)), 'each line is label,day,qos,nodes')

    await page.goto(`${base}/t/${enc(team)}/labels/Website?start=${addDays(yesterday, -6)}&end=${yesterday}`)
    const nodes = await downloaded(page, page.locator('#nodes').getByRole('button', { name: 'Download CSV' }))
    const wantNodes = await apiText(`${T}/export/nodes.csv?label=Website&from=${addDays(yesterday, -6)}&to=${yesterday}`)
    assert(nodes.text === wantNodes.text && nodes.text.startsWith('label,name,day,qos,ok,ko,unknown\n'), 'the label page downloads the API\'s node CSV')
    assert(nodes.text.includes('\nWebsite,foo.com,'), 'foo.com is in the export')
    // A bad range is a JSON error naming the parameter.
    const bad = await api(`${T}/export/nodes.csv?label=Website&from=${yesterday}`)
    assert(bad.status === 400 && bad.body.error.message.startsWith('to:'), `a missing to is refused naming it (${JSON.stringify(bad.body)})`)
  },

  // The monthly report (docs/report.md): Website's objective gives its
  // nodes; the page shows the API's report, picks a month, downloads the
  // CSV and prints without the navigation.
  async report({ page }) {
    const before = await api(`${T}/labels/Website/objective`)
    try {
      const set = await api(`${T}/labels/Website/objective`, { method: 'PUT', body: { target: 99.5, window: 'rolling_30d' } })
      assert(set.status === 200, `PUT Website's objective: ${set.status}`)
      await page.goto(`${base}/t/${enc(team)}`)
      await page.getByRole('link', { name: 'Monthly report' }).click()
      await page.waitForURL(/\/report$/)
      const month = yesterday.slice(0, 7)
      const rep = (await api(`${T}/report?month=${month}`)).body
      assert(rep.month === month && rep.nodes.some((n) => n.label === 'Website'), `the API reports Website's nodes for ${month}`)
      await page.locator('#report tbody tr').first().waitFor()
      const shown = await rowsOf(page, '#report tbody tr', 'data-node')
      assert(JSON.stringify(shown) === JSON.stringify(rep.nodes.map((n) => `${n.label}/${n.name}`)), `the report lists ${shown}, API ${rep.nodes.map((n) => n.name)}`)
      const outcomes = await rowsOf(page, '#report tbody tr', 'data-outcome')
      assert(JSON.stringify(outcomes) === JSON.stringify(rep.nodes.map((n) => (n.met === null ? 'unknown' : n.met ? 'met' : 'missed'))), `outcomes ${outcomes} are the API's`)
      assert((await page.getByTestId('report-missed').innerText()).trim() === String(rep.missed), 'the summary counts the missed')
      const foo = rep.nodes.find((n) => n.name === 'foo.com')
      const fooQos = await page.locator('#report tr[data-node$="/foo.com"] [data-testid="report-qos"] .qos').innerText()
      assert(fooQos.split('\n')[0].trim().startsWith(String(foo.qos)), `foo.com's month QoS ${fooQos} is the API's ${foo.qos}`)
      await shot(page, 'report')

      // CSV: the API's.
      const file = await downloaded(page, page.getByRole('button', { name: 'Download CSV' }))
      const want = await apiText(`${T}/report.csv?month=${month}`)
      assert(file.text === want.text && file.file === `report-${team}-${month}.csv`, `the page downloads the API's report CSV (${file.file})`)
      assert(file.text.split('\n')[0] === 'month,label,name,target,objective_window,qos,met,allowed_seconds,spent_seconds,remaining_seconds,pending_seconds', 'the CSV header')

      // Sorted by QoS, lowest first.
      await page.locator('#report th', { hasText: 'QoS' }).getByRole('button').click()
      const byQos = await rowsOf(page, '#report tbody tr', 'data-node')
      const wantByQos = [...rep.nodes].sort((a, b) => (a.qos === null) - (b.qos === null) || a.qos - b.qos).map((n) => n.qos)
      assert(JSON.stringify(byQos.map((k) => rep.nodes.find((n) => `${n.label}/${n.name}` === k).qos)) === JSON.stringify(wantByQos), 'sorted by QoS')

      // Print: the navigation and the buttons are left out, the table kept.
      await page.emulateMedia({ media: 'print' })
      assert(!(await page.locator('.sidenav').isVisible()) && !(await page.getByRole('button', { name: 'Print' }).isVisible()), 'print hides the navigation and the buttons')
      assert(await page.locator('#report table').isVisible(), 'print keeps the report')
      await page.emulateMedia({ media: 'screen' })

      // The previous month: its URL, and the API's report of it.
      await page.getByRole('button', { name: 'Previous month' }).click()
      const [y, m] = month.split('-').map(Number)
      const prev = m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`
      await page.waitForURL(new RegExp(`month=${prev}`))
      await page.getByRole('heading', { level: 1, name: /^Monthly report, / }).waitFor()
      const prevRep = (await api(`${T}/report?month=${prev}`)).body
      await page.locator('#report-h', { hasText: `${prevRep.from} → ${prevRep.to}` }).waitFor()
      await page.locator('#report tbody tr, #report .state.empty').first().waitFor()
      assert((await page.locator('#report tbody tr').count()) === prevRep.nodes.length, `the previous month lists the API's ${prevRep.nodes.length} nodes`)
    } finally {
      if (before.status === 200) await api(`${T}/labels/Website/objective`, { method: 'PUT', body: { target: before.body.target, window: before.body.window } })
      else await api(`${T}/labels/Website/objective`, { method: 'DELETE' })
    }
  },

  // News: an admin writes it on the Admin page; it is the banner of every
  // page at once and after a reload; edited, the banner follows; deleted,
  // it is gone.
  async news({ page }) {
    const title = `e2e upgrade ${Date.now().toString(36)}`
    let id = null
    try {
      await page.goto(`${base}/admin`)
      const section = page.locator('#news')
      await section.getByRole('button', { name: 'New news' }).click()
      const form = page.getByRole('form', { name: 'New news' })
      await form.getByLabel('Title').fill(title)
      await form.getByLabel('Text').fill('depc is upgraded on Saturday at 10:00 <b>UTC</b>')
      await form.getByRole('button', { name: 'Publish' }).click()
      const row = section.locator('tr', { hasText: title })
      await row.waitFor()
      const listed = (await api('/news?limit=100')).body.find((n) => n.title === title)
      assert(listed && listed.author, `the API has the news with its author (${JSON.stringify(listed)})`)
      id = listed.id
      const banner = page.getByTestId('news-banner')
      await banner.filter({ hasText: title }).waitFor()
      assert((await banner.innerText()).includes('<b>UTC</b>'), 'the banner shows the text as text')
      await shot(page, 'admin-news')
      // Every user's pages show it.
      await page.goto(`${base}/t/${enc(team)}`)
      await page.getByTestId('news-banner').filter({ hasText: title }).waitFor()
      // Edited: the banner follows.
      await page.goto(`${base}/admin`)
      await page.locator('#news tr', { hasText: title }).getByRole('button', { name: 'Edit' }).click()
      const edit = page.getByRole('form', { name: `Edit news ${id}` })
      await edit.getByLabel('Text').fill('moved to Sunday')
      await edit.getByRole('button', { name: 'Save' }).click()
      await page.getByTestId('news-banner').filter({ hasText: 'moved to Sunday' }).waitFor()
      assert((await api(`/news/${id}`)).body.text === 'moved to Sunday', 'the API has the new text')
      // A blank title is refused with the API's message.
      await page.locator('#news').getByRole('button', { name: 'New news' }).click()
      const again = page.getByRole('form', { name: 'New news' })
      await again.getByLabel('Title').fill('   ')
      await again.getByLabel('Text').fill('x')
      await again.getByRole('button', { name: 'Publish' }).click()
      await again.getByRole('alert').filter({ hasText: 'title' }).waitFor()
      await again.getByRole('button', { name: 'Cancel' }).click()
      // Deleted: no banner.
      const r = page.locator('#news tr', { hasText: title })
      await r.getByRole('button', { name: 'Delete…' }).click()
      await r.getByRole('button', { name: `Delete news ${id}` }).click()
      await r.waitFor({ state: 'detached' })
      await page.getByTestId('news-banner').filter({ hasText: title }).waitFor({ state: 'detached' })
      assert((await api(`/news/${id}`)).status === 404, 'the news is gone')
      id = null
    } finally {
      if (id !== null) await api(`/news/${id}`, { method: 'DELETE' })
    }
  },

  // Statistics (docs/grafana.md, the original DepC's): per label its nodes
  // with and without a QoS on its last computed day, and the runs of the 30
  // days with their durations, as the API counts them; the counts agree
  // with the labels' node counts and the label CSV export.
  async statistics({ page }) {
    // The runs created up to today (the night's run of yesterday is
    // today's), each finished so that the page and the API agree.
    await waitRuns()
    const today = addDays(yesterday, 1)
    const from = addDays(today, -29)
    const s = (await api(`${T}/statistics?start=${from}&end=${today}`)).body
    assert(s.start === from && s.end === today, `the API answers the 30 days ending today (${s.start} → ${s.end})`)
    const graph = (await api(`${T}/labels`)).body
    const csv = (await apiText(`${T}/export/labels.csv?from=${from}&to=${today}`)).text.trim().split('\n').slice(1).map((l) => l.split(','))
    for (const g of graph.filter((x) => x.nodes > 0)) assert(s.labels.some((l) => l.label === g.name), `the statistics count label ${g.name}`)
    for (const l of s.labels) {
      assert(graph.find((g) => g.name === l.label)?.nodes === l.nodes, `${l.label}: ${l.nodes} nodes, as /labels says`)
      assert(l.with_qos + l.without_qos === l.nodes, `${l.label}: with and without QoS add up to its nodes`)
      const rows = csv.filter((r) => r[0] === l.label)
      if (l.day === null) {
        assert(rows.length === 0 && l.with_qos === 0, `${l.label}: no day computed, no node with a QoS`)
        continue
      }
      assert(rows.every((r) => r[1] <= l.day), `${l.label}: ${l.day} is its last computed day`)
      const row = rows.find((r) => r[1] === l.day)
      assert(row && Math.min(Number(row[3]), l.nodes) === l.with_qos, `${l.label}: ${l.with_qos} nodes with a QoS on ${l.day}, the label CSV says ${row?.[3]}`)
    }
    assert(s.labels.some((l) => l.day === yesterday && l.with_qos > 0), 'yesterday was computed')

    await page.goto(`${base}/t/${enc(team)}`)
    await page.getByRole('link', { name: 'Statistics', exact: true }).click()
    await page.waitForURL(/\/statistics$/)
    await page.getByRole('heading', { level: 1, name: 'Statistics' }).waitFor()
    await page.getByText(`From ${s.start} to ${s.end}`).waitFor()
    const labels = page.getByTestId('statistics-labels')
    await labels.locator('tbody tr').first().waitFor()
    const shown = await rowsOf(page, '[data-testid="statistics-labels"] tbody tr', 'data-label')
    assert(JSON.stringify(shown) === JSON.stringify(s.labels.map((l) => l.label)), `the page lists the labels ${shown}, API ${s.labels.map((l) => l.label)}`)
    for (const l of s.labels) {
      const cells = (await labels.locator(`tr[data-label="${l.label}"] td`).allInnerTexts()).map((c) => c.trim())
      const want = [l.label, intText(l.nodes), intText(l.with_qos), intText(l.without_qos), l.day ?? '—']
      assert(JSON.stringify(cells) === JSON.stringify(want), `${l.label}: the page shows ${cells}, the API ${want}`)
    }
    if (s.runs.length === 0) {
      await page.locator('#runs').getByText('No run in these days.').waitFor()
    } else {
      const listed = (await api(`${T}/runs?limit=100`)).body
      const runs = page.getByTestId('statistics-runs')
      const ids = await rowsOf(page, '[data-testid="statistics-runs"] tbody tr', 'data-run')
      assert(JSON.stringify(ids) === JSON.stringify(s.runs.map((r) => String(r.id))), `the page lists the runs ${ids}, oldest first as the API ${s.runs.map((r) => r.id)}`)
      for (const r of s.runs) {
        const cells = (await runs.locator(`tr[data-run="${r.id}"] td`).allInnerTexts()).map((c) => c.trim())
        const want = [`#${r.id}`, r.status, intText(r.days), intText(r.nodes), durationText(r.duration)]
        const got = [cells[0], cells[2], cells[3], cells[4], cells[5]]
        assert(JSON.stringify(got) === JSON.stringify(want), `run ${r.id}: the page shows ${got}, the API ${want}`)
        const run = listed.find((x) => x.id === r.id)
        if (run && run.started_at !== null && run.finished_at !== null) assert(r.duration === run.finished_at - run.started_at, `run ${r.id} lasted ${r.duration} s, from its start to its end`)
      }
      // Bars as long as the durations: the longest run has the longest.
      const longest = s.runs.reduce((a, b) => ((b.duration ?? 0) > (a.duration ?? 0) ? b : a))
      const widths = await runs.locator('.duration-bar').evaluateAll((bs) => bs.map((b) => b.getBoundingClientRect().width))
      assert(Math.max(...widths) === widths[s.runs.indexOf(longest)], `the longest run (#${longest.id}) draws the longest bar (${widths})`)
    }
    await shot(page, 'statistics')
  },

  // Impacted nodes (the original DepC's count and download): how many
  // Websites depend on filer1 at noon yesterday and all of them as CSV from
  // the explorer; the node page counts its dependencies and dependents.
  async impacted({ page }) {
    const { start, end } = await dayBounds(page, yesterday)
    const noon = Math.floor((start + end) / 2)
    const node = `${T}/labels/Filer/nodes/filer1`
    const q = `label=Website&at=${noon}`
    const count = (await api(`${node}/impacted/count?${q}`)).body.count
    const all = (await api(`${node}/impacted?${q}&limit=1000`)).body
    assert(count > 0 && count === all.nodes.length && all.next === null, `the count ${count} is every impacted Website (${all.nodes.map((n) => n.name)})`)
    await page.goto(`${base}/t/${enc(team)}/labels/Filer/nodes/filer1/explore?day=${yesterday}`)
    const panel = page.locator('#impacted')
    await panel.getByLabel('Ancestor label').selectOption('Website')
    await panel.getByRole('button', { name: 'Find impacted nodes' }).click()
    const text = `${count} Website node${count === 1 ? '' : 's'} depend${count === 1 ? 's' : ''} on filer1:`
    // The exact count (data-total) is the API's, not the pages loaded.
    await panel.locator(`[data-testid="impacted-count"][data-total="${count}"]`).filter({ hasText: text }).waitFor()
    for (const n of all.nodes) await panel.getByRole('link', { name: n.name, exact: true }).waitFor()
    const file = await downloaded(page, panel.getByRole('button', { name: 'Download CSV' }))
    const want = await apiText(`${node}/impacted/csv?${q}`)
    assert(want.status === 200 && want.type.startsWith('text/csv'), `the API answers CSV (${want.status} ${want.type})`)
    assert(file.text === want.text && file.file === 'impacted.csv', `the explorer downloads the API's CSV of noon ${yesterday} (${file.file})`)
    const lines = file.text.trim().split('\n')
    assert(lines[0] === 'label,name' && JSON.stringify(lines.slice(1)) === JSON.stringify(all.nodes.map((n) => `${n.label},${n.name}`)), `the CSV lists the impacted nodes (${lines})`)
    await shot(page, 'impacted')
    // Through foo.com, the offer above is impacted too: counted the same way.
    await panel.getByLabel('Ancestor label').selectOption('Offer')
    await panel.getByRole('button', { name: 'Find impacted nodes' }).click()
    const offers = (await api(`${node}/impacted/count?label=Offer&at=${noon}`)).body.count
    if (offers > 0) await panel.locator(`[data-testid="impacted-count"][data-total="${offers}"]`).filter({ hasText: `${offers} Offer node${offers === 1 ? '' : 's'} depend` }).waitFor()
    else await panel.getByText('No Offer node depends on filer1').waitFor()

    // The node page: its active dependencies and dependents of the day on the tabs.
    const counts = (await api(`${node}/dependencies/count?day=${yesterday}`)).body
    const deps = (await api(`${node}/dependencies?day=${yesterday}`)).body.dependencies.filter((d) => d.active).length
    const dents = (await api(`${node}/dependents?day=${yesterday}`)).body.dependents.filter((d) => d.active).length
    assert(counts.dependencies === deps && counts.dependents === dents && dents > 0, `the counts ${JSON.stringify(counts)} are the lists' (${deps}, ${dents})`)
    await page.goto(`${base}/t/${enc(team)}/labels/Filer/nodes/filer1?day=${yesterday}`)
    const rel = page.locator('#relations')
    await rel.getByTestId('count-dependents').filter({ hasText: new RegExp(`^${counts.dependents}$`) }).waitFor()
    assert((await rel.getByTestId('count-dependencies').innerText()).trim() === String(counts.dependencies), 'the Dependencies tab counts the API\'s')
    await rel.getByRole('button', { name: /^Dependents/ }).click()
    await rel.locator('tbody tr').first().waitFor()
    assert((await rel.locator('tbody tr:not(.inactive)').count()) === counts.dependents, `the Dependents tab lists ${counts.dependents} nodes`)
    await shot(page, 'node-counts')
  },

  // Variables (docs/sources.md): a check's variable set on the Checks page
  // renders into its query, which a rule execution shows; edited, the
  // rendering follows; a set the check no longer renders with is refused
  // with the API's message.
  async variables({ page }) {
    const id = `e2e-${Date.now().toString(36)}`
    const src = `${id}-src`
    const check = `${id} check`
    const rule = `${id} rule`
    try {
      assert((await api(`${T}/sources`, { method: 'POST', body: { name: src, plugin: 'Fake', configuration: {} } })).status === 201, 'the source is created')
      const plain = { name: check, source: src, type: 'Threshold', parameters: { query: 'depc.tutorial.ping', threshold: '20' } }
      assert((await api(`${T}/checks`, { method: 'POST', body: plain })).status === 201, 'the check is created')
      assert((await api(`${T}/rules`, { method: 'POST', body: { name: rule, checks: [check] } })).status === 201, 'the rule is created')

      const openVariables = async () => {
        await page.goto(`${base}/t/${enc(team)}/checks`)
        await page.locator('#checks tbody tr', { hasText: check }).getByRole('button', { name: 'Variables' }).click()
        const section = page.locator('#check-variables')
        await section.getByRole('heading', { name: `Variables of ${check}` }).waitFor()
        return section
      }
      const save = async (section, text) => {
        await section.getByRole('textbox').fill(text)
        await section.getByRole('button', { name: 'Save variables' }).click()
      }
      const { start, end } = await dayBounds(page, yesterday)
      const executed = async () => (await api(`${T}/rules/${enc(rule)}/execute`, { method: 'POST', body: { name: 'filer1', start: Math.round(start), end: Math.round(end) } })).body.checks[0].query
      const rendered = async () => {
        await page.goto(`${base}/t/${enc(team)}/rules`)
        await page.getByLabel('Node name').fill('filer1')
        await page.getByLabel('Rule', { exact: true }).selectOption(rule)
        await page.getByLabel('Day', { exact: true }).fill(yesterday)
        await page.getByRole('button', { name: 'Run', exact: true }).click()
        const code = page.getByTestId('rule-result').locator('.points-chart figcaption', { hasText: check }).locator('code')
        await code.waitFor({ timeout: 30000 })
        return (await code.innerText()).trim()
      }

      // Set on the page; the API has it and lists it.
      let section = await openVariables()
      await save(section, 'metric=ping')
      await section.getByRole('status').filter({ hasText: 'Saved.' }).waitFor()
      assert(JSON.stringify((await api(`${T}/checks/${enc(check)}/variables`)).body.variables) === '{"metric":"ping"}', 'the API has the check\'s variable')
      const sets = (await api(`${T}/variables`)).body
      assert(sets.some((v) => v.scope === 'check' && v.owner === check && v.variables.metric === 'ping'), `GET /variables lists the check's set (${JSON.stringify(sets)})`)

      // The query uses it: a rule execution shows it rendered.
      const template = { ...plain, parameters: { ...plain.parameters, query: 'depc.tutorial.{{ depc.check.metric }}' } }
      const put = await api(`${T}/checks/${enc(check)}`, { method: 'PUT', body: template })
      assert(put.status === 200, `the check takes a query with the variable (${JSON.stringify(put.body)})`)
      let shown = await rendered()
      let api1 = await executed()
      assert(shown === 'depc.tutorial.ping' && shown === api1, `the rule execution shows the query rendered: ${shown}, API ${api1}`)
      await shot(page, 'variables-rendered')

      // Edited on the page: listed there after a reload, and the rendering follows.
      section = await openVariables()
      await page.waitForFunction(() => document.querySelector('#check-variables textarea')?.value === 'metric=ping')
      await save(section, 'metric=httpstatus')
      await section.getByRole('status').filter({ hasText: 'Saved.' }).waitFor()
      section = await openVariables()
      await page.waitForFunction(() => document.querySelector('#check-variables textarea')?.value === 'metric=httpstatus')
      await shot(page, 'variables')
      shown = await rendered()
      api1 = await executed()
      assert(shown === 'depc.tutorial.httpstatus' && shown === api1, `after the edit the rule execution shows ${shown}, API ${api1}`)

      // A set the check cannot render with is refused, naming the check.
      const refused = await api(`${T}/checks/${enc(check)}/variables`, { method: 'PUT', body: { variables: { other: 'x' } } })
      assert(refused.status === 400 && refused.body.error.message.includes(check), `the API refuses a set without metric, naming the check (${JSON.stringify(refused.body)})`)
      section = await openVariables()
      await page.waitForFunction(() => document.querySelector('#check-variables textarea')?.value === 'metric=httpstatus')
      await save(section, 'other=x')
      await section.getByRole('alert').filter({ hasText: refused.body.error.message }).waitFor()
      assert(JSON.stringify((await api(`${T}/checks/${enc(check)}/variables`)).body.variables) === '{"metric":"httpstatus"}', 'the refused set changed nothing')
      await shot(page, 'variables-refused')
    } finally {
      await api(`${T}/rules/${enc(rule)}`, { method: 'DELETE' })
      await api(`${T}/checks/${enc(check)}`, { method: 'DELETE' })
      await api(`${T}/sources/${enc(src)}`, { method: 'DELETE' })
    }
  },

  // Test connection (docs/sources.md): a Fake source connects; a Prometheus
  // source whose server refuses the credentials fails at authentication with
  // the source's error, not the server's body; the New source form tests an
  // unsaved configuration and saves nothing.
  async connection({ page }) {
    const id = `e2e-${Date.now().toString(36)}`
    const fake = `${id}-fake`
    const prom = `${id}-prom`
    const unsaved = `${id}-new`
    const server = createServer((req, res) => {
      req.resume()
      res.writeHead(401, { 'Content-Type': 'text/plain' })
      res.end('secret-body-of-the-server')
    })
    await new Promise((ok) => server.listen(0, '127.0.0.1', ok))
    const url = `http://127.0.0.1:${server.address().port}`
    try {
      assert((await api(`${T}/sources`, { method: 'POST', body: { name: fake, plugin: 'Fake', configuration: {} } })).status === 201, 'the Fake source is created')
      assert((await api(`${T}/sources`, { method: 'POST', body: { name: prom, plugin: 'Prometheus', configuration: { url } } })).status === 201, 'the Prometheus source is created')
      const ok = (await api(`${T}/sources/${enc(fake)}/test`, { method: 'POST', body: {} })).body
      assert(ok.ok && ok.steps.length === 4 && ok.steps.every((st) => st.ok), `the Fake source connects (${JSON.stringify(ok)})`)
      const ko = (await api(`${T}/sources/${enc(prom)}/test`, { method: 'POST', body: {} })).body
      const failed = ko.steps.find((st) => !st.ok)
      assert(!ko.ok && failed?.name === 'authentication' && failed.error.includes('HTTP 401') && !failed.error.includes('secret-body'), `the Prometheus source fails at authentication (${JSON.stringify(ko)})`)

      await page.goto(`${base}/t/${enc(team)}/sources`)
      const row = (name) => page.locator('#sources tbody tr', { hasText: name })
      await row(fake).getByRole('button', { name: 'Test connection' }).click()
      await row(fake).getByRole('status').filter({ hasText: `Connected: ${ok.query} answered ${ok.series} series.` }).waitFor()
      await row(prom).getByRole('button', { name: 'Test connection' }).click()
      const status = row(prom).getByRole('status')
      await status.filter({ hasText: `authentication failed: ${failed.error}` }).waitFor()
      assert((await status.getAttribute('class')) === 'ko', 'the failure shows as such')
      await shot(page, 'test-connection')

      await page.getByRole('button', { name: 'New source' }).click()
      const form = page.getByRole('form', { name: 'New source' })
      await form.getByLabel('Name').fill(unsaved)
      await form.getByLabel('Plugin').selectOption('Prometheus')
      await form.getByLabel('Configuration (JSON)').fill(JSON.stringify({ url }))
      const tested = (await api(`${T}/sources/test`, { method: 'POST', body: { name: unsaved, plugin: 'Prometheus', configuration: { url } } })).body
      const step = tested.steps.find((st) => !st.ok)
      assert(!tested.ok && step?.name === 'authentication', `the unsaved configuration fails at authentication (${JSON.stringify(tested)})`)
      await form.getByRole('button', { name: 'Test connection' }).click()
      await form.getByRole('status').filter({ hasText: `${step.name} failed: ${step.error}` }).waitFor()
      await shot(page, 'test-connection-form')
      await form.getByRole('button', { name: 'Cancel' }).click()
      assert((await api(`${T}/sources/${enc(unsaved)}`)).status === 404, 'testing saved nothing')
    } finally {
      server.close()
      await api(`${T}/sources/${enc(unsaved)}`, { method: 'DELETE' })
      await api(`${T}/sources/${enc(prom)}`, { method: 'DELETE' })
      await api(`${T}/sources/${enc(fake)}`, { method: 'DELETE' })
    }
  },

  async keyboard({ page }) {
    await page.goto(`${base}/t/${enc(team)}`)
    await page.getByText('Team dashboard').waitFor()
    await page.keyboard.press('Tab')
    const first = await page.evaluate(() => document.activeElement?.textContent?.trim())
    assert(first === 'Skip to content', `the first Tab stop is the skip link (got ${first})`)
    await page.keyboard.press('Enter')
    const focused = await page.evaluate(() => document.activeElement?.id || document.activeElement?.tagName)
    assert(focused === 'main', `the skip link moves focus to main (got ${focused})`)
    // Navigation by keyboard: focus a nav link and follow it.
    await page.getByRole('link', { name: 'Runs', exact: true }).focus()
    await page.keyboard.press('Enter')
    await page.waitForURL(/\/runs$/)
    await page.getByRole('heading', { level: 1, name: 'Runs', exact: true }).waitFor()
    await page.getByRole('link', { name: 'Dashboard' }).focus()
    await shot(page, 'focus')
  },

  // Alerts (docs/alerts.md): a manager adds a webhook on the Alerts page;
  // foo.com's latest day is made under target (the demo's 99.583 % against
  // 99.9 %; the mock fires it anyway); the alert reaches the webhook,
  // signed, and the page shows it firing and its delivery delivered.
  async alerts({ page }) {
    const secret = 'e2e-webhook-secret-0123456789'
    const got = []
    const hook = createServer((req, res) => {
      const chunks = []
      req.on('data', (c) => chunks.push(c))
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8')
        const [, t, v1] = /^t=(\d+),v1=([0-9a-f]+)$/.exec(req.headers['x-depc-signature'] ?? '') ?? []
        const want = t ? createHmac('sha256', secret).update(`${t}.${body}`).digest('hex') : ''
        if (!t || v1 !== want || Math.abs(Date.now() / 1000 - Number(t)) > 300) {
          res.writeHead(401)
          return res.end()
        }
        got.push(JSON.parse(body))
        res.end()
      })
    })
    await new Promise((ok) => hook.listen(0, '127.0.0.1', ok))
    const url = `http://127.0.0.1:${hook.address().port}/depc`
    const objective = `${T}/labels/Website/nodes/foo.com/objective`
    const before = mock ? null : (await api(objective)).body
    try {
      await page.goto(`${base}/t/${enc(team)}/alerts`)
      await page.getByRole('heading', { level: 1, name: 'Alerts' }).waitFor()
      await page.getByRole('button', { name: 'New receiver' }).click()
      const form = page.getByRole('form', { name: 'New receiver' })
      await form.getByLabel('Name').fill('e2e-hook')
      await form.getByLabel('Type').selectOption('webhook')
      await form.getByLabel('URL').fill(url)
      await form.getByLabel('Secret').fill(secret)
      await form.getByRole('button', { name: 'Create' }).click()
      const row = page.getByRole('table', { name: 'Receivers' }).getByRole('row', { name: /e2e-hook/ })
      await row.waitFor()
      assert((await row.innerText()).includes('********'), 'the receiver\'s secret shows masked')
      const stored = (await api(`${T}/alerts/receivers/e2e-hook`)).body
      assert(stored.url === url && stored.secret === '********', `the API has the receiver, its secret masked (got ${JSON.stringify(stored)})`)
      if (!mock) {
        const r = await api(objective, { method: 'PUT', body: { target: 99.9, window: 'calendar_month' } })
        assert(r.status === 200, `PUT foo.com's objective: ${r.status}`)
      }
      // Alerts are evaluated and sent in the background; the page follows.
      const delivered = page.getByRole('table', { name: 'Recent deliveries' }).locator('tr', { hasText: 'e2e-hook' }).locator('[data-status="delivered"]')
      await delivered.first().waitFor({ timeout: 90000 })
      const sent = got.find((b) => b.alert.labels.alertname === 'DepcDayUnderTarget' && b.alert.labels.node === 'foo.com')
      assert(sent && sent.status === 'firing' && sent.receiver === 'e2e-hook' && sent.team === team, `the webhook got foo.com's day under target, signed (got ${JSON.stringify(got)})`)
      const alertRow = page.getByRole('table', { name: 'Alerts' }).locator('tr', { hasText: 'Day under target' }).filter({ hasText: 'foo.com' })
      await alertRow.filter({ hasText: 'firing' }).first().waitFor()
      await shot(page, 'alerts')
      // A manager deletes the receiver.
      await row.getByRole('button', { name: 'Delete…' }).click()
      await row.getByRole('button', { name: 'Delete e2e-hook' }).click()
      await row.waitFor({ state: 'detached' })
      assert((await api(`${T}/alerts/receivers/e2e-hook`)).status === 404, 'the receiver is gone')
    } finally {
      hook.close()
      if (before) await api(objective, { method: 'PUT', body: { target: before.target, window: before.window } })
    }
  },
}

/** GETs an API answer as text (a CSV export), with its status. */
async function apiText(path) {
  const res = await fetch(`${base}/api/v1${path}`, { headers: { Authorization: `Bearer ${token}` } })
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() }
}

/** Clicks a download button and returns the file's name and text. */
async function downloaded(page, button) {
  const [dl] = await Promise.all([page.waitForEvent('download'), button.click()])
  const { readFile } = await import('node:fs/promises')
  return { file: dl.suggestedFilename(), text: await readFile(await dl.path(), 'utf8') }
}

/** The data-* values of a table's rows, top to bottom. */
function rowsOf(page, selector, attr) {
  return page.locator(selector).evaluateAll((rs, a) => rs.map((r) => r.getAttribute(a)), attr)
}

/** A count as the UI writes it (src/format.ts formatInt). */
function intText(n) {
  if (n === null || n === undefined) return '—'
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, '\u202f')
}

/** A duration in seconds as the UI writes it (src/format.ts formatDuration). */
function durationText(sec) {
  if (sec === null || sec === undefined) return '—'
  const s = Math.round(sec)
  const pad = (n) => String(n).padStart(2, '0')
  if (s < 60) return `${s} s`
  if (s < 3600) return s % 60 === 0 ? `${Math.floor(s / 60)} min` : `${Math.floor(s / 60)} min ${pad(s % 60)} s`
  if (s < 86400) return Math.floor((s % 3600) / 60) === 0 ? `${Math.floor(s / 3600)} h` : `${Math.floor(s / 3600)} h ${pad(Math.floor((s % 3600) / 60))} min`
  return Math.floor((s % 86400) / 3600) === 0 ? `${Math.floor(s / 86400)} d` : `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`
}

/** A remaining ratio as the UI writes it (src/budget.ts formatRatio). */
function ratioText(r) {
  if (r === null || r === undefined) return '—'
  const v = Math.round(r * 1000) / 10
  return `${v < 0 ? '−' : ''}${Math.abs(v).toFixed(1)} %`
}

/** Waits until no run of the team is queued or running. */
async function waitRuns() {
  for (let i = 0; i < 600; i++) {
    const runs = (await api(`${T}/runs?limit=20`)).body
    if (!runs.some((r) => r.status === 'queued' || r.status === 'running')) return
    await new Promise((ok) => setTimeout(ok, 100))
  }
  throw new Error('runs did not finish within a minute')
}

/** The [start, end) of a day in the team's zone, as the UI computes it. */
async function dayBounds(page, day) {
  return page.evaluate(
    ([d, zone]) => {
      const f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })
      const off = (t) => {
        const p = Object.fromEntries(f.formatToParts(new Date(t * 1000)).map((x) => [x.type, Number(x.value)]))
        return Date.UTC(p.year, p.month - 1, p.day, p.hour % 24, p.minute, p.second) / 1000 - t
      }
      const at = (s) => {
        const [y, m, dd] = s.split('-').map(Number)
        const naive = Date.UTC(y, m - 1, dd) / 1000
        let t = naive - off(naive)
        return naive - off(t)
      }
      const next = new Date(Date.parse(d + 'T00:00:00Z') + 86400000).toISOString().slice(0, 10)
      return { start: at(d), end: at(next) }
    },
    [day, tz],
  )
}

async function shot(page, name) {
  // Full-page shots of a scrolled page draw the sticky header mid-page.
  await page.evaluate(() => window.scrollTo(0, 0))
  await page.waitForTimeout(150) // let charts finish their first frame
  await page.screenshot({ path: `${shots}${name}.png`, fullPage: true })
}

const browser = await chromium.launch({
  executablePath: process.env.DEPC_E2E_CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
})
let failed = 0
for (const [name, fn] of Object.entries(scenarios)) {
  if (only && !only.includes(name)) continue
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 }, locale: 'en-GB', timezoneId: 'America/Los_Angeles' })
  context.setDefaultTimeout(15000)
  // Every scenario but sign-in starts signed in.
  if (name !== 'signin' && name !== 'proxy') await context.addInitScript((t) => sessionStorage.setItem('depc.token', t), token)
  const page = await context.newPage()
  const problems = []
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`))
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of 40[01349]/.test(m.text())) problems.push(`console: ${m.text()}`)
  })
  const t0 = Date.now()
  try {
    await fn({ page })
    if (problems.length) throw new Error(problems.join('\n'))
    console.log(`ok   ${name} (${Date.now() - t0} ms)`)
  } catch (e) {
    failed++
    console.log(`FAIL ${name}: ${e.message}`)
    await page.screenshot({ path: `${shots}FAILED-${name}.png`, fullPage: true }).catch(() => {})
  }
  await context.close()
}
await browser.close()
if (mock) mock.server.close()
console.log(failed ? `e2e: ${failed} scenario(s) failed` : 'e2e: all scenarios passed')
process.exit(failed ? 1 : 0)
