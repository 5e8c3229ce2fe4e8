// Package ui embeds depc's web app and serves it.
//
// The app is a single-page application (TypeScript, React, Vite) in this
// directory; `npm run build` (run by `make build`) writes it to dist/, and the
// Go build embeds dist/ with go:embed. dist/ is not committed, except the
// placeholder dist/index.html that says the UI was not built: a `go build`
// without Node still works and serves that page. The build writes its entry
// page as dist/app.html so that it never overwrites the committed placeholder;
// Handler serves app.html when it exists and index.html otherwise.
//
// The app uses only the public REST API under /api/v1. Its URLs are
// client-side routes (/t/acme/labels/Website/nodes/foo.com?day=2026-11-20), so
// Handler answers every path that is not a file with the app (history
// routing), except under /assets/ where a missing file is a 404: those are
// content-hashed names, cached for a year, and a stale page asking for an
// asset of a previous build must fail rather than get HTML.
package ui
