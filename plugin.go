package depc

import (
	"context"
	"encoding/json"
	"strings"
)

// SourcePlugin describes a kind of source: how to open one from a stored
// SourceConfig, which of its configuration keys are secrets, and what the
// UI offers when creating one. Each source package defines its plugin
// (prometheus.Plugin, fake.Plugin); source/plugins lists them once, and
// cmd/depc hands that list to the API and the computations. The JSON form
// is the answer of GET /api/v1/plugins.
type SourcePlugin struct {
	// Name is the value of SourceConfig.Plugin that selects this plugin.
	Name string `json:"name"`
	// Description says in a sentence what the source reads.
	Description string `json:"description"`
	// Example is a configuration that opens, shown to fill a new source.
	Example json.RawMessage `json:"example"`
	// SecretKeys are the configuration's secrets, as dotted paths into it:
	// "bearer_token", "basic_auth.password"; "*" stands for every key of
	// an object ("headers.*"). The API masks them in answers.
	SecretKeys []string `json:"secret_keys"`
	// TargetKeys are the configuration's keys that say where the source
	// connects ("url"), as dotted paths. A secret sent back as the mask
	// keeps its stored value only while they are unchanged: a stored
	// credential never follows a new address.
	TargetKeys []string `json:"target_keys"`
	// QueryLanguage names what CheckParameters.Query holds ("PromQL").
	QueryLanguage string `json:"query_language"`
	// NodeLabel says whether CheckParameters.Label (the series label
	// holding the node name) means anything to this source.
	NodeLabel bool `json:"node_label"`
	// FreeQuery says that a check's query is written freely although
	// NodeLabel is false: the query names the node itself (WarpScript's
	// $name). Without either, a check's query is one of Checks (Fake).
	FreeQuery bool `json:"free_query,omitempty"`
	// Checks are suggested checks, offered when creating one.
	Checks []SuggestedCheck `json:"checks"`

	// Open opens a source from its stored configuration (never nil; {}
	// when none was given). A bad configuration is EINVALID naming the
	// field (configuration.url). Opening does not need the database to
	// answer: the API opens a source to validate a check, and closes it.
	// The caller closes the source it opened.
	Open func(ctx context.Context, configuration json.RawMessage) (Source, error) `json:"-"`

	// Enforce returns a check's query restricted to series matching every
	// label of enforce, through the query language's syntax tree (never by
	// pasting text); a query that selects on one of them otherwise is
	// EINVALID naming parameters.query. Nil for a plugin that cannot
	// enforce labels, which the shared catalog then refuses.
	Enforce func(query string, enforce []LabelMatcher) (string, error) `json:"-"`
}

// SuggestedCheck is a check a plugin suggests: its query and usual bound.
type SuggestedCheck struct {
	Name        string `json:"name"`
	Query       string `json:"query"`
	Type        string `json:"type"`
	Threshold   string `json:"threshold"`
	Description string `json:"description"`
}

// SourcePlugins is the list of the plugins a process knows.
type SourcePlugins []SourcePlugin

// Lookup returns the plugin of a name.
func (ps SourcePlugins) Lookup(name string) (SourcePlugin, bool) {
	for _, p := range ps {
		if p.Name == name {
			return p, true
		}
	}
	return SourcePlugin{}, false
}

// Names returns the plugins' names, in the list's order.
func (ps SourcePlugins) Names() []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Name
	}
	return out
}

// Open opens a team's source with its plugin: EINVALID naming the plugin
// when no plugin of the list has its name. A missing or null configuration
// is opened as {}.
func (ps SourcePlugins) Open(ctx context.Context, sc SourceConfig) (Source, error) {
	p, ok := ps.Lookup(sc.Plugin)
	if !ok {
		return nil, Errorf(EINVALID, "plugin: must be one of %s, not %q", strings.Join(ps.Names(), ", "), sc.Plugin)
	}
	if len(sc.Enforce) > 0 && p.Enforce == nil {
		return nil, Errorf(EINVALID, "plugin: %s cannot enforce labels on queries, so it cannot be a shared source with enforced labels", p.Name)
	}
	conf := sc.Configuration
	if t := strings.TrimSpace(string(conf)); t == "" || t == "null" {
		conf = json.RawMessage("{}")
	}
	src, err := p.Open(ctx, conf)
	if err != nil || len(sc.Enforce) == 0 {
		return src, err
	}
	return &enforcedSource{Source: src, enforce: sc.Enforce, rewrite: p.Enforce}, nil
}

// enforcedSource is a source whose every query is restricted to the labels
// a shared source enforces: the check's query is rewritten before the
// source validates or runs it.
type enforcedSource struct {
	Source
	enforce []LabelMatcher
	rewrite func(string, []LabelMatcher) (string, error)
}

func (s *enforcedSource) restrict(p CheckParameters) (CheckParameters, error) {
	q, err := s.rewrite(p.Query, s.enforce)
	if err != nil {
		return p, err
	}
	for _, m := range s.enforce {
		if p.Label == m.Label {
			return p, Errorf(EINVALID, "parameters.label: %q is enforced by the shared source; it cannot hold the node name", m.Label)
		}
	}
	p.Query = q
	return p, nil
}

func (s *enforcedSource) ValidateCheck(p CheckParameters) error {
	p, err := s.restrict(p)
	if err != nil {
		return err
	}
	return s.Source.ValidateCheck(p)
}

func (s *enforcedSource) Fetch(ctx context.Context, p CheckParameters, w Window, names []string, fn func(SourceResult)) error {
	p, err := s.restrict(p)
	if err != nil {
		for _, n := range names {
			fn(SourceResult{Name: n, Err: err})
		}
		return nil
	}
	return s.Source.Fetch(ctx, p, w, names, fn)
}
