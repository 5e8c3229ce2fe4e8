import { useState } from 'react'
import { seg, teamPath, type Source } from '../api'
import { PageHeader, Section } from '../components/common'
import { EditForm, RowActions } from '../components/Crud'
import { ResourceTable } from '../components/ResourceTable'
import { Async } from '../components/states'
import { Field } from '../components/Field'
import { useTeam } from '../context'
import { useApi, useTitle } from '../hooks'

const PLUGINS: Record<string, Record<string, unknown>> = {
  Prometheus: { url: 'http://127.0.0.1:9090' },
  Fake: {},
}

export default function Sources() {
  const { team } = useTeam()
  useTitle(`Sources · ${team.name}`)
  const list = useApi<Source[]>(`${teamPath(team.name)}/sources`)
  const [editing, setEditing] = useState<Source | 'new' | null>(null)
  return (
    <>
      <PageHeader title="Sources" kicker={team.name}>
        <button type="button" className="button primary" onClick={() => setEditing('new')}>
          New source
        </button>
      </PageHeader>
      <p className="help">A source is a time-series database the checks query (Prometheus, Thanos, Mimir, VictoriaMetrics), or the built-in Fake generator for demos.</p>
      {editing && <SourceForm key={editing === 'new' ? 'new' : editing.name} source={editing === 'new' ? null : editing} done={() => { setEditing(null); list.reload() }} cancel={() => setEditing(null)} />}
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
              actions={(s) => <RowActions onEdit={() => setEditing(s)} path={`${teamPath(team.name)}/sources/${seg(s.name)}`} what={s.name} onDeleted={list.reload} />}
              empty="No source yet. Create one to write checks against it."
            />
          )}
        </Async>
      </Section>
    </>
  )
}

function SourceForm({ source, done, cancel }: { source: Source | null; done: () => void; cancel: () => void }) {
  const { team } = useTeam()
  const [name, setName] = useState(source?.name ?? '')
  const [plugin, setPlugin] = useState<Source['plugin']>(source?.plugin ?? 'Prometheus')
  const [conf, setConf] = useState(JSON.stringify(source?.configuration ?? PLUGINS.Prometheus, null, 2))
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
              setPlugin(e.target.value as Source['plugin'])
              if (!source) setConf(JSON.stringify(PLUGINS[e.target.value] ?? {}, null, 2))
            }}
          >
            {Object.keys(PLUGINS).map((p) => (
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
    </EditForm>
  )
}
