import { useState } from 'react'
import type { Budget, Objective, ObjectiveWindow } from '../api'
import { WINDOWS, burnClass, formatBudget, formatBurn, formatRatio, objectiveText, ratioClass } from '../budget'
import { formatInstant } from '../time'
import { EditForm, DeleteButton } from './Crud'
import { Field } from './Field'
import { QosBadge } from './Qos'

/** What is left of a budget, as a bar and a percentage (red once overspent). */
export function BudgetMeter({ ratio, label }: { ratio: number | null | undefined; label: string }) {
  const cls = ratioClass(ratio)
  const width = ratio === null || ratio === undefined ? 0 : Math.max(0, Math.min(1, ratio)) * 100
  return (
    <span className={`budget-meter ${cls}`} title={`${label}: ${formatRatio(ratio)} of the budget left`}>
      <span className="budget-bar" aria-hidden="true">
        <span style={{ width: `${width}%` }} />
      </span>
      <span className="budget-ratio" data-testid="budget-ratio">
        {formatRatio(ratio)}
      </span>
    </span>
  )
}

const LOOKBACKS = ['1h', '6h', '1d', '3d'] as const

/** The four burn rates, fast ones marked. */
export function BurnRates({ rates }: { rates: Budget['burn_rates'] }) {
  return (
    <span className="burn-rates">
      {LOOKBACKS.map((l) => (
        <span key={l} className={`burn ${burnClass(l, rates[l])}`} title={`burn rate over ${l}`}>
          <span className="muted">{l}</span> {formatBurn(rates[l])}
        </span>
      ))}
    </span>
  )
}

/** A node's budget as facts. */
export function BudgetFacts({ budget, tz }: { budget: Budget; tz: string }) {
  return (
    <dl className="facts budget-facts">
      <div>
        <dt>Objective</dt>
        <dd data-testid="objective">
          {objectiveText(budget.objective)}
          {budget.objective.name === '' && <span className="muted"> (the label's)</span>}
        </dd>
      </div>
      <div>
        <dt>Window</dt>
        <dd>
          {budget.from} → {budget.to}
        </dd>
      </div>
      <div>
        <dt>Allowed KO</dt>
        <dd>{formatBudget(budget.allowed)}</dd>
      </div>
      <div>
        <dt>Spent</dt>
        <dd>{formatBudget(budget.spent)}</dd>
      </div>
      <div>
        <dt>Remaining</dt>
        <dd data-testid="budget-remaining">
          {formatBudget(budget.remaining)} <BudgetMeter ratio={budget.remaining_ratio} label="this node" />
        </dd>
      </div>
      <div>
        <dt>QoS over the window</dt>
        <dd>
          <QosBadge qos={budget.qos} />
        </dd>
      </div>
      <div>
        <dt>Burn rates {budget.live ? '(now)' : `(at ${formatInstant(budget.burn_at, tz, false)})`}</dt>
        <dd>
          <BurnRates rates={budget.burn_rates} />
        </dd>
      </div>
    </dl>
  )
}

/**
 * The objective of a label or node: what applies, and a form to set or
 * delete its own. `own` is null when it has none (the API's 404).
 */
export function ObjectiveEditor({ path, own, inherited, what, onChanged }: {
  /** The API path of the objective (…/objective). */
  path: string
  own: Objective | null
  /** The label's objective, for a node without one of its own. */
  inherited?: Objective | null
  what: string
  onChanged: () => void
}) {
  const [editing, setEditing] = useState(false)
  const [target, setTarget] = useState(String(own?.target ?? inherited?.target ?? 99.9))
  const [win, setWin] = useState<ObjectiveWindow>(own?.window ?? inherited?.window ?? 'rolling_30d')
  return (
    <div className="objective-editor">
      <p data-testid="objective-current">
        {own ? (
          <>
            Objective of {what}: <strong>{objectiveText(own)}</strong>
          </>
        ) : inherited ? (
          <>
            {what} follows its label's objective: <strong>{objectiveText(inherited)}</strong>
          </>
        ) : (
          <span className="muted">No objective for {what}.</span>
        )}{' '}
        {!editing && (
          <button type="button" className="button small" onClick={() => setEditing(true)}>
            {own ? 'Change objective' : 'Set an objective'}
          </button>
        )}
        {own && !editing && <DeleteButton path={path} what="objective" onDone={onChanged} />}
      </p>
      {editing && (
        <EditForm<Objective>
          title={`Objective of ${what}`}
          path={path}
          method="PUT"
          submitText="Save objective"
          body={() => {
            const t = Number(target)
            if (target.trim() === '' || !Number.isFinite(t)) throw new Error('target: a percentage, e.g. 99.9')
            return { target: t, window: win }
          }}
          onDone={() => {
            setEditing(false)
            onChanged()
          }}
          onCancel={() => setEditing(false)}
        >
          <div className="fields">
            <Field label="Target (%)">{(id) => <input id={id} type="number" step="any" min="0" max="100" value={target} onChange={(e) => setTarget(e.target.value)} />}</Field>
            <Field label="Window">
              {(id) => (
                <select id={id} value={win} onChange={(e) => setWin(e.target.value as ObjectiveWindow)}>
                  {WINDOWS.map((w) => (
                    <option key={w.value} value={w.value}>
                      {w.text}
                    </option>
                  ))}
                </select>
              )}
            </Field>
          </div>
        </EditForm>
      )}
    </div>
  )
}
