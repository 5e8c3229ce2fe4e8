// Generates the UI's API types (src/openapi.d.ts) from the API's own
// description, api/openapi.json, with openapi-typescript, so the types the UI
// compiles against cannot drift from what the server documents. The output is
// not committed: `npm ci` (prepare), `npm run build` and `npm run typecheck`
// write it.
//
// openapi-typescript builds its output with TypeScript 5's compiler API,
// which TypeScript 7 (the UI's type checker) no longer ships: this folder is
// an npm workspace with its own TypeScript 5, installed by the UI's `npm ci`.
import { readFileSync, writeFileSync } from 'node:fs'
import openapiTS, { astToString } from 'openapi-typescript'

export const specURL = new URL('../../../api/openapi.json', import.meta.url)
export const outURL = new URL('../../src/openapi.d.ts', import.meta.url)

const HEADER = `// Generated from api/openapi.json by scripts/openapi/generate.mjs
// (openapi-typescript): do not edit, not committed. src/api.ts names the
// schemas the UI uses.

`

/** api/openapi.json, parsed. */
export function readSpec() {
  return JSON.parse(readFileSync(specURL, 'utf8'))
}

/** The text of src/openapi.d.ts for the given OpenAPI document. */
export async function generate(spec = readSpec()) {
  // A property with a default stays optional: a client may leave it out
  // (CheckParameters.missing), which defaultNonNullable would forbid.
  return HEADER + astToString(await openapiTS(spec, { alphabetize: false, defaultNonNullable: false }))
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const want = await generate()
  let have = ''
  try {
    have = readFileSync(outURL, 'utf8')
  } catch {
    // not generated yet
  }
  // Unchanged types keep their timestamp, so watchers do not rebuild.
  if (have !== want) writeFileSync(outURL, want)
}
