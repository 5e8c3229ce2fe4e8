// Removes the previous build from dist/ but keeps the committed placeholder
// dist/index.html, so a build never shows up as a change in git.
import { readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'

const dist = new URL('../dist/', import.meta.url).pathname
for (const name of readdirSync(dist)) {
  if (name !== 'index.html') rmSync(join(dist, name), { recursive: true, force: true })
}
