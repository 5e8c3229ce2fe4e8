/// <reference types="vitest/config" />
import { defineConfig, type Plugin } from 'vite'
import react from '@vitejs/plugin-react'

// The entry page is app.html, not index.html: dist/index.html is the committed
// placeholder that lets `go build` embed something when Node never ran, and the
// build must not overwrite a tracked file. ui.go serves app.html when present.
const entry = 'app.html'

// In development every client-side route (/t/acme/labels/Website…) must load
// the app, as the Go handler does in production.
function spaFallback(): Plugin {
  return {
    name: 'depc-spa-fallback',
    configureServer(server) {
      server.middlewares.use((req, _res, next) => {
        const url = req.url ?? '/'
        const path = url.split('?')[0]
        const isFile = path.startsWith('/@') || path.startsWith('/src/') || path.startsWith('/node_modules/') || /\.[a-z0-9]+$/i.test(path.split('/').pop() ?? '')
        if (!path.startsWith('/api/') && !isFile) req.url = '/' + entry
        next()
      })
    },
  }
}

export default defineConfig({
  plugins: [react(), spaFallback()],
  build: {
    outDir: 'dist',
    emptyOutDir: false,
    assetsDir: 'assets',
    target: 'es2022',
    chunkSizeWarningLimit: 700,
    rollupOptions: { input: entry },
  },
  server: {
    proxy: { '/api': process.env.DEPC_API ?? 'http://127.0.0.1:8765' },
  },
  test: {
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx', 'e2e/**/*.test.mjs'],
    environment: 'node',
  },
})
