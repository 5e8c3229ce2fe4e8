import { useId, type ReactNode } from 'react'

/**
 * A label and its control tied by id. A <select> wrapped in its <label> gets
 * the selected option's text in its accessible name ("Type ThresholdInterval");
 * an explicit for/id keeps the name to the label.
 */
export function Field({ label, children, className = '' }: { label: ReactNode; children: (id: string) => ReactNode; className?: string }) {
  const id = useId()
  return (
    <div className={`field ${className}`}>
      <label htmlFor={id}>{label}</label>
      {children(id)}
    </div>
  )
}
