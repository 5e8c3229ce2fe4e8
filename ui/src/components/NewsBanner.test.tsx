import { describe, expect, it } from 'vitest'
import { renderToStaticMarkup } from 'react-dom/server'
import type { News } from '../api'
import { NewsView, bannerNews } from './NewsBanner'

const news = (id: number, title = 'Upgrade'): News => ({ id, title, text: 'Saturday <b>10:00</b>', author: 'admin', created_at: 1, updated_at: 1 })

describe('news banner', () => {
  it('shows the newest news unless it was closed', () => {
    expect(bannerNews(undefined, 0)).toBeNull()
    expect(bannerNews([], 0)).toBeNull()
    expect(bannerNews([news(3), news(2)], 0)?.id).toBe(3)
    expect(bannerNews([news(3)], 3)).toBeNull()
    expect(bannerNews([news(4)], 3)?.id).toBe(4)
  })

  it('shows the title and the text as text', () => {
    const out = renderToStaticMarkup(<NewsView news={news(1)} onClose={() => {}} />)
    expect(out).toContain('data-testid="news-banner"')
    expect(out).toContain('<strong>Upgrade</strong>')
    expect(out).toContain('Saturday &lt;b&gt;10:00&lt;/b&gt;')
  })
})
