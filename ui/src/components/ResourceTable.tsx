import { useState, type HTMLAttributes, type ReactNode } from 'react'
import { Empty } from './states'

/** A value a column sorts by: null (unknown) always sorts last. */
export type SortValue = string | number | null | undefined

/** One column of a ResourceTable. */
export interface Column<T> {
  /** The heading, shown in capitals above the column. */
  header: string
  cell: (row: T) => ReactNode
  /** 'num' right-aligns figures; given to the heading and every cell. */
  className?: string
  /** Makes the column sortable: the value its rows sort by. */
  sort?: (row: T) => SortValue
}

export type SortDir = 'asc' | 'desc'

/** Which column a table is sorted by (its header), and which way. */
export interface SortState {
  column: string
  dir: SortDir
}

/**
 * Sorts rows by a column, keeping the given order among equals (a stable
 * sort) and unknown values (null, undefined, NaN) last either way. Strings
 * compare as people read them: "node2" before "node10".
 */
export function sortRows<T>(rows: T[], columns: Column<T>[], state: SortState | null): T[] {
  const col = state && columns.find((c) => c.header === state.column)
  if (!col?.sort || !state) return rows
  const by = col.sort
  const sign = state.dir === 'asc' ? 1 : -1
  const unknown = (v: SortValue) => v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v))
  return rows
    .map((row, i) => ({ row, i, v: by(row) }))
    .sort((a, b) => {
      const ua = unknown(a.v)
      const ub = unknown(b.v)
      if (ua || ub) return ua && ub ? a.i - b.i : ua ? 1 : -1
      const c = typeof a.v === 'number' && typeof b.v === 'number' ? a.v - b.v : collator.compare(String(a.v), String(b.v))
      return c !== 0 ? sign * c : a.i - b.i
    })
    .map((x) => x.row)
}

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' })

/** The next state when a column's header is clicked: ascending first, then flipping. */
export function nextSort(state: SortState | null, column: string): SortState {
  if (state?.column === column) return { column, dir: state.dir === 'asc' ? 'desc' : 'asc' }
  return { column, dir: 'asc' }
}

/** A table's sort state, and its header cells' contents. */
export function useSort(initial: SortState | null = null): [SortState | null, (column: string) => void] {
  const [state, setState] = useState<SortState | null>(initial)
  return [state, (column) => setState((s) => nextSort(s, column))]
}

/**
 * A sortable column's heading: a button (reached with Tab, pressed with
 * Enter or Space) that says which way the column is sorted, with aria-sort
 * on the heading for screen readers.
 */
export function SortHeader({ header, state, onSort, className, title }: { header: string; state: SortState | null; onSort: (column: string) => void; className?: string; title?: string }) {
  const dir = state?.column === header ? state.dir : null
  return (
    <th scope="col" className={className} title={title} aria-sort={dir === 'asc' ? 'ascending' : dir === 'desc' ? 'descending' : 'none'}>
      <button type="button" className={`sort-button${dir ? ' sorted' : ''}`} onClick={() => onSort(header)}>
        {header}
        <span className="sort-icon" aria-hidden="true">
          {dir === 'asc' ? '▲' : dir === 'desc' ? '▼' : '↕'}
        </span>
        {dir === null && <span className="visually-hidden">, sort</span>}
      </button>
    </th>
  )
}

/**
 * The table of a list of resources (sources, checks, rules, runs, rejected
 * messages): one row
 * per resource, the first column naming it, and a last column of actions
 * (Edit, Delete…) when `actions` is given. With no row it shows `empty`
 * instead, so a page says why the list is empty rather than an empty table.
 * Columns with a `sort` can be sorted by their heading.
 */
export function ResourceTable<T>({ rows, rowKey, columns, actions, empty, rowHeader = true, label, defaultSort = null, rowProps }: {
  rows: T[]
  /** A key unique in the list: the resource's name or id (the index for rows with neither). */
  rowKey: (row: T, index: number) => string
  columns: Column<T>[]
  actions?: (row: T) => ReactNode
  empty: ReactNode
  /** The first column heads its row (screen readers announce it with each cell); false when it is only a link. */
  rowHeader?: boolean
  /** The table's accessible name, when the section heading above does not name it. */
  label?: string
  /** The sort shown first; null keeps the rows' order until a heading is pressed. */
  defaultSort?: SortState | null
  /** Attributes of a row (data-* for tests and links). */
  rowProps?: (row: T) => HTMLAttributes<HTMLTableRowElement> & Record<`data-${string}`, string>
}) {
  const [sort, onSort] = useSort(defaultSort)
  if (rows.length === 0) return <Empty>{empty}</Empty>
  const shown = sortRows(rows, columns, sort)
  return (
    <table className="data" aria-label={label}>
      <thead>
        <tr>
          {columns.map((c) =>
            c.sort ? (
              <SortHeader key={c.header} header={c.header} state={sort} onSort={onSort} className={c.className} />
            ) : (
              <th key={c.header} scope="col" className={c.className}>
                {c.header}
              </th>
            ),
          )}
          {actions && (
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          )}
        </tr>
      </thead>
      <tbody>
        {shown.map((row, index) => (
          <tr key={rowKey(row, index)} {...rowProps?.(row)}>
            {columns.map((c, i) =>
              i === 0 && rowHeader ? (
                <th key={c.header} scope="row" className={c.className}>
                  {c.cell(row)}
                </th>
              ) : (
                <td key={c.header} className={c.className}>
                  {c.cell(row)}
                </td>
              ),
            )}
            {actions && <td className="actions">{actions(row)}</td>}
          </tr>
        ))}
      </tbody>
    </table>
  )
}
