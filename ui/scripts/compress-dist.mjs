// Writes a .gz next to every compressible file of the build so that the Go
// handler can serve it with Content-Encoding: gzip without compressing on each
// request, and prints the gzipped sizes (the figure that matters for a first load).
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { gzipSync, constants } from 'node:zlib'

const dist = new URL('../dist/', import.meta.url).pathname
const compressible = /\.(js|css|html|svg|json|map)$/
const rows = []
function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) { walk(path); continue }
    // dist/index.html is the committed placeholder, not part of the build.
    if (!compressible.test(name) || relative(dist, path) === 'index.html') continue
    const raw = readFileSync(path)
    const gz = gzipSync(raw, { level: constants.Z_BEST_COMPRESSION })
    if (gz.length < raw.length) writeFileSync(path + '.gz', gz)
    rows.push([relative(dist, path), raw.length, gz.length])
  }
}
walk(dist)
rows.sort((a, b) => a[0].localeCompare(b[0]))
let js = 0, css = 0
for (const [name, raw, gz] of rows) {
  if (name.endsWith('.js')) js += gz
  if (name.endsWith('.css')) css += gz
  console.log(`${name.padEnd(48)} ${String(raw).padStart(8)} B  gzip ${String(gz).padStart(7)} B`)
}
console.log(`total gzip: JS ${js} B, CSS ${css} B`)
