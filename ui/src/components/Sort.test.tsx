import { describe, expect, it, vi } from 'vitest'
import { renderToStaticMarkup } from 'react-dom/server'
import { ResourceTable, SortHeader, nextSort, sortRows, type Column } from './ResourceTable'

vi.hoisted(() => {
  Object.assign(globalThis, { window: { location: { pathname: '/', search: '' }, addEventListener: () => {} } })
})

interface Row {
  name: string
  qos: number | null
}

const columns: Column<Row>[] = [
  { header: 'Name', sort: (r) => r.name, cell: (r) => r.name },
  { header: 'QoS', className: 'num', sort: (r) => r.qos, cell: (r) => String(r.qos) },
  { header: 'Note', cell: () => '' },
]
const rows: Row[] = [
  { name: 'node10', qos: 99 },
  { name: 'node2', qos: null },
  { name: 'Node1', qos: 97.5 },
  { name: 'node3', qos: 99 },
]
const names = (rs: Row[]) => rs.map((r) => r.name)

describe('sortRows', () => {
  it('keeps the order without a sort or on a column that does not sort', () => {
    expect(sortRows(rows, columns, null)).toBe(rows)
    expect(sortRows(rows, columns, { column: 'Note', dir: 'asc' })).toBe(rows)
    expect(sortRows(rows, columns, { column: 'Nope', dir: 'asc' })).toBe(rows)
  })

  it('sorts names as people read them, numbers inside them as numbers, case aside', () => {
    expect(names(sortRows(rows, columns, { column: 'Name', dir: 'asc' }))).toEqual(['Node1', 'node2', 'node3', 'node10'])
    expect(names(sortRows(rows, columns, { column: 'Name', dir: 'desc' }))).toEqual(['node10', 'node3', 'node2', 'Node1'])
  })

  it('sorts numbers as numbers, unknown values last either way, equals in their order', () => {
    expect(names(sortRows(rows, columns, { column: 'QoS', dir: 'asc' }))).toEqual(['Node1', 'node10', 'node3', 'node2'])
    expect(names(sortRows(rows, columns, { column: 'QoS', dir: 'desc' }))).toEqual(['node10', 'node3', 'Node1', 'node2'])
    expect(rows.map((r) => r.name)).toEqual(['node10', 'node2', 'Node1', 'node3']) // not sorted in place
  })

  it('sorts ascending first, then flips; another column starts ascending', () => {
    expect(nextSort(null, 'QoS')).toEqual({ column: 'QoS', dir: 'asc' })
    expect(nextSort({ column: 'QoS', dir: 'asc' }, 'QoS')).toEqual({ column: 'QoS', dir: 'desc' })
    expect(nextSort({ column: 'QoS', dir: 'desc' }, 'QoS')).toEqual({ column: 'QoS', dir: 'asc' })
    expect(nextSort({ column: 'QoS', dir: 'desc' }, 'Name')).toEqual({ column: 'Name', dir: 'asc' })
  })
})

describe('sortable headings', () => {
  it('are buttons that say the sort with aria-sort and a visible arrow', () => {
    const h = (state: Parameters<typeof SortHeader>[0]['state']) =>
      renderToStaticMarkup(
        <table>
          <thead>
            <tr>
              <SortHeader header="QoS" state={state} onSort={() => {}} className="num" />
            </tr>
          </thead>
        </table>,
      )
    expect(h(null)).toContain('<th scope="col" class="num" aria-sort="none"><button type="button" class="sort-button">QoS<span class="sort-icon" aria-hidden="true">↕</span>')
    expect(h({ column: 'QoS', dir: 'asc' })).toContain('aria-sort="ascending"><button type="button" class="sort-button sorted">QoS<span class="sort-icon" aria-hidden="true">▲</span>')
    expect(h({ column: 'QoS', dir: 'desc' })).toContain('aria-sort="descending"')
    expect(h({ column: 'Name', dir: 'desc' })).toContain('aria-sort="none"')
  })

  it('are used for the columns that sort, in a table shown in its default sort, with row attributes', () => {
    const out = renderToStaticMarkup(
      <ResourceTable rows={rows} rowKey={(r) => r.name} columns={columns} empty="none" defaultSort={{ column: 'QoS', dir: 'asc' }} rowProps={(r) => ({ 'data-node': r.name })} />,
    )
    expect(out).toContain('<th scope="col" aria-sort="none"><button type="button" class="sort-button">Name')
    expect(out).toContain('<th scope="col" class="num" aria-sort="ascending">')
    expect(out).toContain('<th scope="col">Note</th>')
    expect([...out.matchAll(/data-node="([^"]+)"/g)].map((m) => m[1])).toEqual(['Node1', 'node10', 'node3', 'node2'])
  })
})
