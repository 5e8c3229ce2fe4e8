import { useState } from 'react'
import { seg, teamPath, type Me, type Source, type SourcePlugin, type TeamLimits, type TeamSharedSource } from '../api'
import { matchersSelector } from '../components/Matchers'

/** The plugin of a team's source that is a grant of a shared source (only admins change it). */
const SHARED = 'Shared'
import { PageHeader, Section } from '../components/common'
import { DeleteButton, EditForm, RowActions } from '../components/Crud'
import { ResourceTable } from '../components/ResourceTable'
import { Async, ErrorBox } from '../components/states'
import { Field } from '../components/Field'
import { useTeam } from '../context'
import { useApi, useTitle } from '../hooks'
import { PLUGINS_PATH, exampleText, findPlugin, pluginChoices } from '../plugins'
import { TestConnection, VariablesEditor } from '../components/Variables'

export default function Sources() {
  const { team } = useTeam()
  useTitle(`Sources · ${team.name}`)
  const list = useApi<Source[]>(`${teamPath(team.name)}/sources`)
  const plugins = useApi<SourcePlugin[]>(PLUGINS_PATH)
  const [editing, setEditing] = useState<Source | 'new' | null>(null)
  const [vars, setVars] = useState<string | null>(null)
  const shared = useApi<TeamSharedSource[]>(`${teamPath(team.name)}/shared-sources`)
  const limits = useApi<TeamLimits>(`${teamPath(team.name)}/limits`)
  const me = useApi<Me>('/me')
  // With own_sources deny only admins write the team's sources.
  const sharedOnly = limits.data?.effective.own_sources === 'deny' && me.data !== undefined && !me.data.admin
  return (
    <>
      <PageHeader title="Sources" kicker={team.name}>
        {!sharedOnly && (
          <button type="button" className="button primary" onClick={() => setEditing('new')} disabled={!plugins.data}>
            New source
          </button>
        )}
      </PageHeader>
      <p className="help">A source is a time-series database the checks query, read through one of the server's plugins{plugins.data ? ':' : '.'}</p>
      {plugins.data && (
        <ul className="help" aria-label="Plugins">
          {plugins.data.map((p) => (
            <li key={p.name}>
              <strong>{p.name}</strong>: {p.description}
            </li>
          ))}
        </ul>
      )}
      {sharedOnly && (
        <p className="notice" role="status">
          This team uses the shared sources an admin granted it: its managers cannot create or change sources of their own (limit own_sources).
        </p>
      )}
      {plugins.error && <ErrorBox error={plugins.error} retry={plugins.reload} title="The plugins could not be listed" />}
      {editing && plugins.data && (
        <SourceForm key={editing === 'new' ? 'new' : editing.name} source={editing === 'new' ? null : editing} plugins={plugins.data} done={() => { setEditing(null); list.reload() }} cancel={() => setEditing(null)} />
      )}
      {vars && (
        <Section title={`Variables of ${vars}`} id="source-variables">
          <VariablesEditor key={vars} url={`${teamPath(team.name)}/sources/${seg(vars)}/variables`} scope="source" onClose={() => setVars(null)} />
        </Section>
      )}
      <Section title="All sources" id="sources">
        <Async {...list} what="Loading sources">
          {(sources) => (
            <ResourceTable
              rows={sources}
              rowKey={(s) => s.name}
              columns={[
                { header: 'Name', cell: (s) => s.name },
                { header: 'Plugin', cell: (s) => s.plugin },
                { header: 'Configuration', cell: (s) => <code className="wrap">{JSON.stringify(s.configuration ?? {})}</code> },
              ]}
              actions={(s) =>
                s.plugin === SHARED ? (
                  <>
                    <TestConnection path={`${teamPath(team.name)}/sources/${seg(s.name)}`} />
                    <span className="muted small">granted by an admin</span>
                  </>
                ) : sharedOnly ? (
                  <>
                    <TestConnection path={`${teamPath(team.name)}/sources/${seg(s.name)}`} />
                    <DeleteButton path={`${teamPath(team.name)}/sources/${seg(s.name)}`} what={s.name} onDone={list.reload} />
                  </>
                ) : (
                  <RowActions onEdit={() => setEditing(s)} path={`${teamPath(team.name)}/sources/${seg(s.name)}`} what={s.name} onDeleted={list.reload}>
                    <TestConnection path={`${teamPath(team.name)}/sources/${seg(s.name)}`} />
                    <button type="button" className="button small ghost" onClick={() => setVars(s.name)}>
                      Variables
                    </button>
                  </RowActions>
                )
              }
              empty="No source yet. Create one to write checks against it."
            />
          )}
        </Async>
      </Section>
      <Section title="Shared sources" id="team-shared-sources">
        <p className="help">
          Sources an admin shares with the team: its checks name them like its own, and every query through them matches the labels below
          (the admin&apos;s, which the team cannot change).
        </p>
        <Async {...shared} what="Loading the shared sources">
          {(list) => (
            <ResourceTable
              rows={list}
              rowKey={(s) => s.name}
              columns={[
                { header: 'Name', cell: (s) => s.name },
                { header: 'Plugin', cell: (s) => s.plugin },
                { header: 'Every query matches', cell: (s) => <code>{matchersSelector(s.enforce)}</code> },
                { header: 'Description', cell: (s) => s.description },
              ]}
              empty="No shared source is granted to the team."
            />
          )}
        </Async>
      </Section>
      <Section title="Team variables" id="team-variables">
        <p className="help">Every check may use them as <code>{'{{ depc.team.NAME }}'}</code> in its query.</p>
        <VariablesEditor url={`${teamPath(team.name)}/variables/team`} scope="team" />
      </Section>
    </>
  )
}

function SourceForm({ source, plugins, done, cancel }: { source: Source | null; plugins: SourcePlugin[]; done: () => void; cancel: () => void }) {
  const { team } = useTeam()
  const [name, setName] = useState(source?.name ?? '')
  const [plugin, setPlugin] = useState<string>(source?.plugin ?? plugins[0]?.name ?? '')
  const [conf, setConf] = useState(source ? JSON.stringify(source.configuration ?? {}, null, 2) : exampleText(plugins[0]))
  const secrets = findPlugin(plugins, plugin)?.secret_keys ?? []
  return (
    <EditForm<Source>
      title={source ? `Edit source ${source.name}` : 'New source'}
      path={source ? `${teamPath(team.name)}/sources/${seg(source.name)}` : `${teamPath(team.name)}/sources`}
      method={source ? 'PUT' : 'POST'}
      body={() => {
        let configuration: unknown
        try {
          configuration = JSON.parse(conf || '{}')
        } catch (e) {
          throw new Error(`configuration: not valid JSON (${(e as Error).message})`)
        }
        return { name, plugin, configuration }
      }}
      onDone={done}
      onCancel={cancel}
    >
      <div className="fields">
        <label>
          Name <input value={name} onChange={(e) => setName(e.target.value)} required disabled={Boolean(source)} />
        </label>
        <Field label="Plugin">
          {(id) => (
          <select
            id={id}
            value={plugin}
            onChange={(e) => {
              setPlugin(e.target.value)
              if (!source) setConf(exampleText(findPlugin(plugins, e.target.value)))
            }}
          >
            {pluginChoices(plugins, source?.plugin).map((p) => (
              <option key={p}>{p}</option>
            ))}
          </select>
          )}
        </Field>
      </div>
      <label className="block">
        Configuration (JSON)
        <textarea className="code-editor" rows={5} value={conf} onChange={(e) => setConf(e.target.value)} spellCheck={false} />
      </label>
      {source ? (
        <TestConnection path={`${teamPath(team.name)}/sources/${seg(source.name)}`} />
      ) : (
        <TestConnection path={`${teamPath(team.name)}/sources`} body={() => ({ name: name || undefined, plugin, configuration: JSON.parse(conf || '{}') })} />
      )}
      {secrets.length > 0 && (
        <p className="help">
          Secrets ({secrets.map((k, i) => <span key={k}>{i > 0 && ', '}<code>{k}</code></span>)}) are shown as <code>********</code>; leaving the mask keeps the stored value.
        </p>
      )}
    </EditForm>
  )
}
