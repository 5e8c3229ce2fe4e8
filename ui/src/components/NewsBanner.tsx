import { useEffect, useState } from 'react'
import type { News } from '../api'
import { useApi } from '../hooks'

/** Where the id of the last news the user closed is kept, per browser. */
const dismissedKey = 'depc.news.dismissed'

function readDismissed(): number {
  try {
    return Number(globalThis.localStorage?.getItem(dismissedKey) ?? 0) || 0
  } catch {
    return 0
  }
}

/** The news the banner shows: the newest, unless the user closed it (or a newer one). */
export function bannerNews(list: News[] | undefined, dismissed: number): News | null {
  const newest = list?.[0]
  return newest && newest.id > dismissed ? newest : null
}

/** Told when an admin writes news in this tab, so that the banner follows at once. */
const changed = new Set<() => void>()

/** Says news were created, changed or deleted (the Admin page). */
export function newsChanged(): void {
  for (const fn of changed) fn()
}

/** The admins' newest announcement (GET /news), shown to every signed-in user until closed. */
export function NewsBanner() {
  const news = useApi<News[]>('/news?limit=1')
  const { reload } = news
  useEffect(() => {
    changed.add(reload)
    return () => {
      changed.delete(reload)
    }
  }, [reload])
  const [dismissed, setDismissed] = useState(readDismissed)
  const shown = bannerNews(news.data, dismissed)
  if (!shown) return null
  return <NewsView news={shown} onClose={() => {
    try {
      globalThis.localStorage?.setItem(dismissedKey, String(shown.id))
    } catch {
      // A browser without storage shows it again next time.
    }
    setDismissed(shown.id)
  }} />
}

export function NewsView({ news, onClose }: { news: News; onClose: () => void }) {
  return (
    <div className="news-banner" role="status" data-testid="news-banner">
      <strong>{news.title}</strong> <span>{news.text}</span>
      <button type="button" className="button ghost small" onClick={onClose} aria-label="Close the announcement">
        Close
      </button>
    </div>
  )
}
