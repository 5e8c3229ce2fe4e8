// The admin's catalog of shared sources (docs/isolation.md): sources teams
// are granted rather than configure, each keeping every query of a team to
// the labels it enforces (team="{team}").
import { useState } from 'react'
import { seg, type SharedGrant, type SharedSource, type SourcePlugin, type Team } from '../api'
import { PageHeader, Section } from '../components/common'
import { DeleteButton, EditForm, RowActions } from '../components/Crud'
import { Field } from '../components/Field'
import { matchersSelector, matchersText, parseMatchers } from '../components/Matchers'
import { ResourceTable } from '../components/ResourceTable'
import { Async, ErrorBox } from '../components/states'
import { useApi, useTitle } from '../hooks'
import { PLUGINS_PATH, exampleText, findPlugin } from '../plugins'

/** The plugins a shared source may use: those whose queries depc can keep to a team's series. */
export const SHAREABLE = ['Prometheus', 'Fake']

export default function SharedSources() {
  useTitle('Shared sources')
  const list = useApi<SharedSource[]>('/shared-sources')
  const plugins = useApi<SourcePlugin[]>(PLUGINS_PATH)
  const [editing, setEditing] = useState<SharedSource | 'new' | null>(null)
  const [selected, setSelected] = useState<string | null>(null)
  return (
    <>
      <PageHeader title="Shared sources" kicker="instance">
        <button type="button" className="button primary" onClick={() => setEditing('new')} disabled={!plugins.data}>
          New shared source
        </button>
      </PageHeader>
      <p className="help">
        A shared source is configured once here and granted to teams. Every series selector of every query a team sends through it
        gets the enforced labels (<code>{'{team}'}</code> is the team&apos;s name); a query matching otherwise on them is refused.
        Teams never see its configuration. Only Prometheus (and Fake) can be shared.
      </p>
      {plugins.error && <ErrorBox error={plugins.error} retry={plugins.reload} title="The plugins could not be listed" />}
      {editing && plugins.data && (
        <SharedForm
          key={editing === 'new' ? 'new' : editing.name}
          entry={editing === 'new' ? null : editing}
          plugins={plugins.data}
          done={() => {
            setEditing(null)
            list.reload()
          }}
          cancel={() => setEditing(null)}
        />
      )}
      <Section title="Catalog" id="shared-sources">
        <Async {...list} what="Loading the shared sources">
          {(entries) => (
            <ResourceTable
              rows={entries}
              rowKey={(e) => e.name}
              columns={[
                { header: 'Name', cell: (e) => e.name },
                { header: 'Plugin', cell: (e) => e.plugin },
                { header: 'Enforced labels', cell: (e) => <code>{matchersSelector(e.enforce)}</code> },
                { header: 'Description', cell: (e) => e.description },
              ]}
              actions={(e) => (
                <RowActions
                  onEdit={() => setEditing(e)}
                  path={`/shared-sources/${seg(e.name)}`}
                  what={e.name}
                  onDeleted={() => {
                    if (selected === e.name) setSelected(null)
                    list.reload()
                  }}
                >
                  <button type="button" className="button small ghost" aria-pressed={selected === e.name} onClick={() => setSelected(selected === e.name ? null : e.name)}>
                    Grants
                  </button>
                </RowActions>
              )}
              empty="No shared source yet."
            />
          )}
        </Async>
      </Section>
      {selected && (
        <Section title={`Grants of ${selected}`} id="shared-grants">
          <Grants key={selected} entry={selected} />
        </Section>
      )}
    </>
  )
}

function SharedForm({ entry, plugins, done, cancel }: { entry: SharedSource | null; plugins: SourcePlugin[]; done: () => void; cancel: () => void }) {
  const choices = plugins.filter((p) => SHAREABLE.includes(p.name))
  const [name, setName] = useState(entry?.name ?? '')
  const [plugin, setPlugin] = useState<string>(entry?.plugin ?? choices[0]?.name ?? '')
  const [conf, setConf] = useState(entry ? JSON.stringify(entry.configuration ?? {}, null, 2) : exampleText(choices[0]))
  const [description, setDescription] = useState(entry?.description ?? '')
  const [enforce, setEnforce] = useState(entry ? matchersText(entry.enforce) : 'team={team}')
  return (
    <EditForm<SharedSource>
      title={entry ? `Edit shared source ${entry.name}` : 'New shared source'}
      path={entry ? `/shared-sources/${seg(entry.name)}` : '/shared-sources'}
      method={entry ? 'PUT' : 'POST'}
      body={() => {
        let configuration: unknown
        try {
          configuration = JSON.parse(conf || '{}')
        } catch (e) {
          throw new Error(`configuration: not valid JSON (${(e as Error).message})`)
        }
        return { name, plugin, configuration, description, enforce: parseMatchers(enforce) }
      }}
      onDone={done}
      onCancel={cancel}
    >
      <div className="fields">
        <label>
          Name <input value={name} onChange={(e) => setName(e.target.value)} required disabled={Boolean(entry)} />
        </label>
        <Field label="Plugin">
          {(id) => (
            <select
              id={id}
              value={plugin}
              onChange={(e) => {
                setPlugin(e.target.value)
                if (!entry) setConf(exampleText(findPlugin(plugins, e.target.value)))
              }}
            >
              {choices.map((p) => (
                <option key={p.name}>{p.name}</option>
              ))}
            </select>
          )}
        </Field>
        <label>
          Description <input value={description} onChange={(e) => setDescription(e.target.value)} />
        </label>
      </div>
      <label className="block">
        Configuration (JSON)
        <textarea className="code-editor" rows={4} value={conf} onChange={(e) => setConf(e.target.value)} spellCheck={false} />
      </label>
      <label className="block">
        Enforced labels (one label=value a line)
        <textarea className="code-editor" rows={2} value={enforce} onChange={(e) => setEnforce(e.target.value)} spellCheck={false} />
      </label>
    </EditForm>
  )
}

/** The teams granted an entry: grant another (with labels of its own), change or revoke. */
function Grants({ entry }: { entry: string }) {
  const grants = useApi<SharedGrant[]>(`/shared-sources/${seg(entry)}/grants`)
  const teams = useApi<Team[]>('/teams')
  const [editing, setEditing] = useState<SharedGrant | 'new' | null>(null)
  return (
    <>
      <div className="button-row">
        <button type="button" className="button" onClick={() => setEditing('new')} disabled={!teams.data}>
          Grant to a team
        </button>
      </div>
      {editing && teams.data && (
        <GrantForm
          entry={entry}
          grant={editing === 'new' ? null : editing}
          teams={teams.data.map((t) => t.name)}
          done={() => {
            setEditing(null)
            grants.reload()
          }}
          cancel={() => setEditing(null)}
        />
      )}
      <Async {...grants} what="Loading the grants">
        {(list) => (
          <ResourceTable
            rows={list}
            rowKey={(g) => g.team}
            columns={[
              { header: 'Team', cell: (g) => g.team },
              { header: 'Labels of the grant', cell: (g) => <code>{matchersSelector(g.enforce)}</code> },
              { header: 'Every query matches', cell: (g) => <code>{matchersSelector(g.effective)}</code> },
            ]}
            actions={(g) => (
              <>
                <button type="button" className="button small ghost" onClick={() => setEditing(g)}>
                  Edit
                </button>
                <DeleteButton path={`/shared-sources/${seg(entry)}/grants/${seg(g.team)}`} what={`the grant to ${g.team}`} onDone={grants.reload} />
              </>
            )}
            empty="No team is granted it."
          />
        )}
      </Async>
    </>
  )
}

function GrantForm({ entry, grant, teams, done, cancel }: { entry: string; grant: SharedGrant | null; teams: string[]; done: () => void; cancel: () => void }) {
  const [team, setTeam] = useState(grant?.team ?? teams[0] ?? '')
  const [enforce, setEnforce] = useState(grant ? matchersText(grant.enforce) : '')
  return (
    <EditForm<SharedGrant>
      title={grant ? `Edit the grant to ${grant.team}` : `Grant ${entry}`}
      path={`/shared-sources/${seg(entry)}/grants/${seg(team)}`}
      method="PUT"
      submitText="Grant"
      body={() => {
        if (!team) throw new Error('team: required')
        return { enforce: parseMatchers(enforce) }
      }}
      onDone={done}
      onCancel={cancel}
    >
      <div className="fields">
        <Field label="Team">
          {(id) => (
            <select id={id} value={team} onChange={(e) => setTeam(e.target.value)} disabled={Boolean(grant)}>
              {teams.map((t) => (
                <option key={t}>{t}</option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <label className="block">
        Labels for this team alone (one label=value a line; one the source enforces too takes this value)
        <textarea className="code-editor" rows={2} value={enforce} onChange={(e) => setEnforce(e.target.value)} spellCheck={false} />
      </label>
    </EditForm>
  )
}
