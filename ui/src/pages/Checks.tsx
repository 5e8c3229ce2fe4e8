import { useState } from 'react'
import { seg, teamPath, type Check, type CheckParameters, type CheckType, type Source, type SourcePlugin } from '../api'
import { PageHeader, Section } from '../components/common'
import { EditForm, RowActions } from '../components/Crud'
import { ResourceTable } from '../components/ResourceTable'
import { Async, Empty, ErrorBox } from '../components/states'
import { Field } from '../components/Field'
import { useTeam } from '../context'
import { useApi, useTitle } from '../hooks'
import { VariablesEditor } from '../components/Variables'
import { PLUGINS_PATH, checkParameters, findPlugin, freeQuery, suggestionFor } from '../plugins'

export default function Checks() {
  const { team } = useTeam()
  useTitle(`Checks · ${team.name}`)
  const list = useApi<Check[]>(`${teamPath(team.name)}/checks`)
  const sources = useApi<Source[]>(`${teamPath(team.name)}/sources`)
  const plugins = useApi<SourcePlugin[]>(PLUGINS_PATH)
  const [editing, setEditing] = useState<Check | 'new' | null>(null)
  const [vars, setVars] = useState<string | null>(null)
  return (
    <>
      <PageHeader title="Checks" kicker={team.name}>
        <button type="button" className="button primary" onClick={() => setEditing('new')} disabled={!sources.data?.length || !plugins.data}>
          New check
        </button>
      </PageHeader>
      <p className="help">
        A check (indicator) queries a source for one node and turns its datapoints into an OK/KO timeline: <strong>Threshold</strong> <code>"20"</code> is OK while the value is ≤ 20,{' '}
        <strong>Interval</strong> <code>"200:299"</code> while it is inside.
      </p>
      {sources.data?.length === 0 && <Empty>Create a source first: checks query a source.</Empty>}
      {plugins.error && <ErrorBox error={plugins.error} retry={plugins.reload} title="The plugins could not be listed" />}
      {editing && sources.data && plugins.data && (
        <CheckForm key={editing === 'new' ? 'new' : editing.name} check={editing === 'new' ? null : editing} sources={sources.data} plugins={plugins.data} done={() => { setEditing(null); list.reload() }} cancel={() => setEditing(null)} />
      )}
      {vars && (
        <Section title={`Variables of ${vars}`} id="check-variables">
          <VariablesEditor key={vars} url={`${teamPath(team.name)}/checks/${seg(vars)}/variables`} scope="check" onClose={() => setVars(null)} />
        </Section>
      )}
      <Section title="All checks" id="checks">
        <Async {...list} what="Loading checks">
          {(checks) => (
            <ResourceTable
              rows={checks}
              rowKey={(c) => c.name}
              columns={[
                { header: 'Name', cell: (c) => c.name },
                { header: 'Source', cell: (c) => c.source },
                { header: 'Type', cell: (c) => c.type },
                { header: 'Query', cell: (c) => <code className="wrap">{c.parameters?.query}</code> },
                { header: 'Threshold', cell: (c) => <code>{c.parameters?.threshold}</code> },
                { header: 'Missing data', cell: (c) => c.parameters?.missing ?? 'unknown' },
              ]}
              actions={(c) => (
                <RowActions onEdit={() => setEditing(c)} path={`${teamPath(team.name)}/checks/${seg(c.name)}`} what={c.name} onDeleted={list.reload}>
                  <button type="button" className="button small ghost" onClick={() => setVars(c.name)}>Variables</button>
                </RowActions>
              )}
              empty="No check yet."
            />
          )}
        </Async>
      </Section>
    </>
  )
}

type Missing = NonNullable<CheckParameters['missing']>

/** The parameters with the missing-data policy; the default is left out, as the API stores it. */
function withMissing(p: CheckParameters, missing: Missing): CheckParameters {
  const out = { ...p }
  if (missing === 'unknown') delete out.missing
  else out.missing = missing
  return out
}

function CheckForm({ check, sources, plugins, done, cancel }: { check: Check | null; sources: Source[]; plugins: SourcePlugin[]; done: () => void; cancel: () => void }) {
  const { team } = useTeam()
  const [name, setName] = useState(check?.name ?? '')
  const [source, setSource] = useState(check?.source ?? sources[0]?.name ?? '')
  const [type, setType] = useState<CheckType>(check?.type ?? 'Threshold')
  const [query, setQuery] = useState(check?.parameters?.query ?? '')
  const [threshold, setThreshold] = useState(check?.parameters?.threshold ?? '')
  const [matcher, setMatcher] = useState(check?.parameters?.label ?? '')
  const [missing, setMissing] = useState<Missing>(check?.parameters?.missing ?? 'unknown')
  const plugin = findPlugin(plugins, sources.find((s) => s.name === source)?.plugin)
  const free = freeQuery(plugin)
  const suggested = suggestionFor(plugin, query)
  // Choosing a suggested check fills its query and usual bound; choosing
  // none empties a query that only a suggestion may fill.
  function suggest(q: string) {
    const c = suggestionFor(plugin, q)
    if (c) {
      setQuery(c.query)
      setType(c.type)
      setThreshold(c.threshold)
    } else if (!free) setQuery('')
  }
  return (
    <EditForm<Check>
      title={check ? `Edit check ${check.name}` : 'New check'}
      path={check ? `${teamPath(team.name)}/checks/${seg(check.name)}` : `${teamPath(team.name)}/checks`}
      method={check ? 'PUT' : 'POST'}
      body={() => ({ name, source, type, parameters: withMissing(checkParameters(check?.parameters, plugin, query, threshold, matcher), missing) })}
      onDone={done}
      onCancel={cancel}
    >
      <div className="fields">
        <label>
          Name <input value={name} onChange={(e) => setName(e.target.value)} required disabled={Boolean(check)} />
        </label>
        <Field label="Source">
          {(id) => (
            <select id={id} value={source} onChange={(e) => setSource(e.target.value)}>
              {sources.map((s) => (
                <option key={s.name} value={s.name}>
                  {s.name} ({s.plugin})
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Type">
          {(id) => (
            <select id={id} value={type} onChange={(e) => setType(e.target.value as CheckType)}>
              <option>Threshold</option>
              <option>Interval</option>
            </select>
          )}
        </Field>
        <label>
          {type === 'Threshold' ? 'Threshold (OK while value ≤)' : 'Interval (OK while inside A:B)'}{' '}
          <input value={threshold} onChange={(e) => setThreshold(e.target.value)} placeholder={type === 'Threshold' ? '20' : '200:299'} required />
        </label>
        <Field label="Missing data counts as">
          {(id) => (
            <select id={id} value={missing} onChange={(e) => setMissing(e.target.value as Missing)}>
              <option value="unknown">unknown (hold the last point)</option>
              <option value="ok">OK</option>
              <option value="ko">KO (a dead exporter is down)</option>
            </select>
          )}
        </Field>
      </div>
      {plugin && plugin.checks.length > 0 && (
        <Field label={free ? 'Suggested metric' : 'Metric'} className="block">
          {(id) => (
          <select id={id} value={suggested?.query ?? ''} onChange={(e) => suggest(e.target.value)}>
            <option value="">{free ? 'write a query, or start from…' : 'choose…'}</option>
            {plugin.checks.map((c) => (
              <option key={c.query} value={c.query} title={c.name}>
                {c.query}
              </option>
            ))}
          </select>
          )}
        </Field>
      )}
      {suggested && <p className="help">{suggested.name}: {suggested.description}</p>}
      {free && (
        <>
          <label className="block">
            Query ({plugin?.query_language ?? 'as the source reads it'})
            <textarea className="code-editor" rows={3} value={query} onChange={(e) => setQuery(e.target.value)} spellCheck={false} required />
          </label>
          {plugin?.node_label && (
            <>
              <label>
                Node matcher label{' '}
                <input value={matcher} onChange={(e) => setMatcher(e.target.value)} placeholder="name" />
              </label>
              <p className="help">
                depc adds <code>{matcher || 'name'}="&lt;node name&gt;"</code> to every vector selector of the query.
              </p>
            </>
          )}
        </>
      )}
    </EditForm>
  )
}
