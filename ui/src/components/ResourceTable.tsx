import type { ReactNode } from 'react'
import { Empty } from './states'

/** One column of a ResourceTable. */
export interface Column<T> {
  /** The heading, shown in capitals above the column. */
  header: string
  cell: (row: T) => ReactNode
  /** 'num' right-aligns figures; given to the heading and every cell. */
  className?: string
}

/**
 * The table of a list of resources (sources, checks, rules, runs, rejected
 * messages): one row
 * per resource, the first column naming it, and a last column of actions
 * (Edit, Delete…) when `actions` is given. With no row it shows `empty`
 * instead, so a page says why the list is empty rather than an empty table.
 */
export function ResourceTable<T>({ rows, rowKey, columns, actions, empty, rowHeader = true, label }: {
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
}) {
  if (rows.length === 0) return <Empty>{empty}</Empty>
  return (
    <table className="data" aria-label={label}>
      <thead>
        <tr>
          {columns.map((c) => (
            <th key={c.header} scope="col" className={c.className}>
              {c.header}
            </th>
          ))}
          {actions && (
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          )}
        </tr>
      </thead>
      <tbody>
        {rows.map((row, index) => (
          <tr key={rowKey(row, index)}>
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
