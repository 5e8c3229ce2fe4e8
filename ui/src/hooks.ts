import { useCallback, useEffect, useRef, useState } from 'react'
import { ApiError, cachedGet, invalidate } from './api'

export interface Loaded<T> {
  data: T | undefined
  error: ApiError | undefined
  loading: boolean
  reload: () => void
}

/**
 * GETs path (relative to /api/v1) whenever it changes; null fetches nothing.
 * Keeps showing the previous data while the next loads, so a view does not
 * flash empty when a day or range changes.
 */
export function useApi<T>(path: string | null): Loaded<T> {
  const [state, setState] = useState<{ path: string | null; data?: T; error?: ApiError; loading: boolean }>({ path: null, loading: path !== null })
  const [tick, setTick] = useState(0)
  useEffect(() => {
    if (path === null) {
      setState({ path, loading: false })
      return
    }
    const ctl = new AbortController()
    setState((s) => ({ path, data: s.data, error: undefined, loading: true }))
    cachedGet<T>(path, ctl.signal).then(
      (data) => setState({ path, data, loading: false }),
      (e: unknown) => {
        if ((e as Error).name === 'AbortError') return
        setState({ path, error: toApiError(e), loading: false })
      },
    )
    return () => ctl.abort()
  }, [path, tick])
  const reload = useCallback(() => {
    if (path) invalidate(path)
    setTick((t) => t + 1)
  }, [path])
  return { data: state.data, error: state.error, loading: state.loading, reload }
}

export function toApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e
  return new ApiError(0, 'client', (e as Error)?.message ?? String(e))
}

/** A debounced copy of value. */
export function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value)
  useEffect(() => {
    const id = setTimeout(() => setV(value), ms)
    return () => clearTimeout(id)
  }, [value, ms])
  return v
}

/** Calls fn every ms while enabled (run progress). */
export function useInterval(fn: () => void, ms: number, enabled: boolean): void {
  const ref = useRef(fn)
  ref.current = fn
  useEffect(() => {
    if (!enabled) return
    const id = setInterval(() => ref.current(), ms)
    return () => clearInterval(id)
  }, [ms, enabled])
}

/** The width of an element, following resizes (for SVG drawings). */
export function useWidth<E extends HTMLElement>(fallback = 600): [(el: E | null) => void, number] {
  const [width, setWidth] = useState(fallback)
  const obs = useRef<ResizeObserver | null>(null)
  const ref = useCallback((el: E | null) => {
    obs.current?.disconnect()
    if (!el) return
    setWidth(el.clientWidth || fallback)
    obs.current = new ResizeObserver((entries) => {
      const w = Math.floor(entries[0].contentRect.width)
      if (w > 0) setWidth(w)
    })
    obs.current.observe(el)
  }, [fallback])
  return [ref, width]
}

/** Sets the document title. */
export function useTitle(title: string): void {
  useEffect(() => {
    document.title = title ? `${title} · depc` : 'depc'
  }, [title])
}
