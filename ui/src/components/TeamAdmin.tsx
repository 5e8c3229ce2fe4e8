// Renaming and deleting a team (admins, docs/isolation.md). A deletion is
// confirmed by typing the team's name: it removes everything of the team
// in every store, and cannot be undone.
import { useState, type FormEvent } from 'react'
import { invalidate, request, teamPath, type ApiError, type Team } from '../api'
import { EditForm } from './Crud'
import { ErrorBox } from './states'
import { toApiError } from '../hooks'
import { navigate, urls } from '../router'

export function TeamAdmin({ team }: { team: string }) {
  const [renaming, setRenaming] = useState(false)
  const [name, setName] = useState('')
  return (
    <>
      <p className="help">
        Both wait for the team&apos;s runs to finish. Its Kafka topic keeps its name: after a rename, producers write to the new name&apos;s topic.
      </p>
      {renaming ? (
        <EditForm<Team>
          title={`Rename team ${team}`}
          path={`${teamPath(team)}/rename`}
          method="POST"
          submitText="Rename"
          body={() => {
            if (!name.trim()) throw new Error('name: required')
            return { name: name.trim() }
          }}
          onDone={(t) => {
            invalidate()
            navigate(urls.access(t.name), { replace: true })
          }}
          onCancel={() => setRenaming(false)}
        >
          <div className="fields">
            <label>
              New name <input value={name} onChange={(e) => setName(e.target.value)} required pattern="[a-z0-9][a-z0-9_\-]{0,62}" />
            </label>
          </div>
        </EditForm>
      ) : (
        <div className="button-row">
          <button type="button" className="button" onClick={() => setRenaming(true)}>
            Rename the team…
          </button>
        </div>
      )}
      <DeleteTeam team={team} />
    </>
  )
}

function DeleteTeam({ team }: { team: string }) {
  const [typed, setTyped] = useState('')
  const [error, setError] = useState<ApiError | null>(null)
  const [busy, setBusy] = useState(false)
  async function submit(e: FormEvent) {
    e.preventDefault()
    if (typed !== team) return
    setError(null)
    setBusy(true)
    try {
      await request(teamPath(team), { method: 'DELETE' })
      invalidate()
      navigate(urls.teams(), { replace: true })
    } catch (err) {
      setError(toApiError(err))
    } finally {
      setBusy(false)
    }
  }
  return (
    <form className="card edit-form danger-zone" onSubmit={submit} aria-label={`Delete team ${team}`}>
      <h3>Delete team {team}</h3>
      <p className="help">
        Removes the team&apos;s graph, sources, checks, rules, runs, results, objectives, alerts and grants. This cannot be undone. Type{' '}
        <strong>{team}</strong> to confirm.
      </p>
      <label>
        Team name <input value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" spellCheck={false} />
      </label>
      {error && <ErrorBox error={error} title="The API refused it" />}
      <div className="button-row">
        <button type="submit" className="button danger" disabled={typed !== team || busy}>
          {busy ? 'Deleting…' : `Delete team ${team}`}
        </button>
      </div>
    </form>
  )
}
