// The source plugins as the server lists them (GET /plugins): what the
// source and check forms offer. The app names no plugin itself; a plugin
// added to the server shows up in the forms as it is.
import type { CheckParameters, SourcePlugin, SuggestedCheck } from './api'

export const PLUGINS_PATH = '/plugins'

/** The plugin of a name, or undefined when the server does not know it. */
export function findPlugin(plugins: SourcePlugin[], name: string | undefined): SourcePlugin | undefined {
  return plugins.find((p) => p.name === name)
}

/**
 * Whether a check's query is written freely in the plugin's language, or
 * chosen among its suggested checks. The list does not say it outright: a
 * plugin without a node label selects each node's series itself (the Fake
 * generator, by name), so its suggestions are all it can query, unless it
 * says its queries name the node themselves (free_query: WarpScript's $name).
 * A plugin the server does not list is written freely.
 */
export function freeQuery(p: SourcePlugin | undefined): boolean {
  return !p || p.node_label || p.free_query === true || p.checks.length === 0
}

/** The plugin's suggested check of a query, if the query is one. */
export function suggestionFor(p: SourcePlugin | undefined, query: string): SuggestedCheck | undefined {
  return p?.checks.find((c) => c.query === query)
}

/** The configuration a new source of the plugin starts from, as the form's JSON text. */
export function exampleText(p: SourcePlugin | undefined): string {
  return JSON.stringify(p?.example ?? {}, null, 2)
}

/**
 * The parameters of a check to send: the stored ones (step, lookback…) with
 * the form's query and threshold, and the node matcher label only for a
 * plugin that has one (another plugin would refuse or ignore it).
 */
export function checkParameters(stored: CheckParameters | undefined, p: SourcePlugin | undefined, query: string, threshold: string, matcher: string): CheckParameters {
  const out: CheckParameters = { ...stored, query, threshold }
  if (p?.node_label && matcher) out.label = matcher
  else delete out.label
  return out
}

/** The plugin names a source form offers: the server's, and the source's own if the server no longer lists it. */
export function pluginChoices(plugins: SourcePlugin[], current?: string): string[] {
  const names = plugins.map((p) => p.name)
  return current && !names.includes(current) ? [...names, current] : names
}
