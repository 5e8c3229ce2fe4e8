package depc

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"unicode/utf8"
)

// PluginShared is the plugin of a team's source that stands for a source of
// the admin's shared catalog (a grant): its configuration is a
// SharedGrant. It is no plugin of the list: the team's source is resolved
// to the catalog's (ResolveShared) before it is opened, and only the admin
// writes such sources.
const PluginShared = "Shared"

// TeamPlaceholder in the value of an enforced label of a shared source
// stands for the name of the team using it: team="{team}".
const TeamPlaceholder = "{team}"

// LabelMatcher is a label a shared source enforces on every series
// selector of a team's queries: Label="Value".
type LabelMatcher struct {
	Label string `json:"label"`
	Value string `json:"value"`
}

// enforcedLabel is the label names a matcher may enforce: Prometheus'
// classic syntax, without the reserved names (__name__, …).
var enforcedLabel = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)

// MaxEnforcedValue bounds the value of an enforced label, in bytes.
const MaxEnforcedValue = 1024

// Validate checks a matcher: a label name (not reserved, not starting with
// __) and a non-empty UTF-8 value (label="" would select the series
// without the label). EINVALID names enforce.label or enforce.value.
func (m LabelMatcher) Validate() error {
	if !enforcedLabel.MatchString(m.Label) || strings.HasPrefix(m.Label, "__") {
		return Errorf(EINVALID, "enforce.label: %q is not a label name a selector can match (letters, digits and _, not starting with a digit or __)", m.Label)
	}
	if m.Value == "" || len(m.Value) > MaxEnforcedValue || !utf8.ValidString(m.Value) {
		return Errorf(EINVALID, "enforce.value: of %s must be 1 to %d bytes of UTF-8", m.Label, MaxEnforcedValue)
	}
	return nil
}

// validateMatchers checks a list of matchers, each label at most once.
func validateMatchers(field string, ms []LabelMatcher) error {
	seen := map[string]bool{}
	for i, m := range ms {
		if err := m.Validate(); err != nil {
			return Errorf(EINVALID, "%s[%d].%s", field, i, strings.TrimPrefix(ErrorMessage(err), "enforce."))
		}
		if seen[m.Label] {
			return Errorf(EINVALID, "%s[%d].label: %q is enforced twice", field, i, m.Label)
		}
		seen[m.Label] = true
	}
	return nil
}

// SharedSource is a source of the admin's catalog that teams may be granted
// (the original DepC's shared sources). Its configuration (and so its
// secrets) is the admin's: teams see its name, plugin, description and the
// labels it enforces on them, and use it in their checks through the team
// source of their grant.
type SharedSource struct {
	SourceConfig
	// Description says what the source holds, shown to the teams.
	Description string `json:"description"`
	// Enforce are the labels added to every series selector of every query
	// a team sends through the source; a value may hold TeamPlaceholder.
	Enforce []LabelMatcher `json:"enforce"`
}

// MaxDescriptionLen bounds a shared source's description, in bytes.
const MaxDescriptionLen = 1024

// Validate checks a catalog entry: the rules of SourceConfig, a plugin
// other than PluginShared, a description of at most MaxDescriptionLen bytes
// and valid matchers. Whether the plugin can enforce them is the API's to
// check (it has the plugins). EINVALID names the field.
func (s SharedSource) Validate() error {
	if err := s.SourceConfig.Validate(); err != nil {
		return err
	}
	if s.Plugin == PluginShared {
		return Errorf(EINVALID, "plugin: a shared source cannot be %s", PluginShared)
	}
	if len(s.Description) > MaxDescriptionLen || !utf8.ValidString(s.Description) {
		return Errorf(EINVALID, "description: must be at most %d bytes of UTF-8", MaxDescriptionLen)
	}
	return validateMatchers("enforce", s.Enforce)
}

// SharedGrant is the configuration of a team's PluginShared source: which
// catalog entry it uses, and labels enforced for this team alone (fixed
// values set by the admin; one on a label the entry enforces too replaces
// the entry's value for this team).
type SharedGrant struct {
	Source  string         `json:"source"`
	Enforce []LabelMatcher `json:"enforce,omitempty"`
}

// Validate checks a grant. EINVALID names the field.
func (g SharedGrant) Validate() error {
	if err := CheckResourceName("source", g.Source); err != nil {
		return err
	}
	return validateMatchers("enforce", g.Enforce)
}

// DecodeSharedGrant reads the configuration of a PluginShared source.
// EINVALID names the field.
func DecodeSharedGrant(conf json.RawMessage) (SharedGrant, error) {
	var g SharedGrant
	if err := json.Unmarshal(conf, &g); err != nil {
		return SharedGrant{}, Errorf(EINVALID, "configuration: must be a JSON object {\"source\": …, \"enforce\": […]}")
	}
	if err := g.Validate(); err != nil {
		return SharedGrant{}, Errorf(EINVALID, "configuration.%s", ErrorMessage(err))
	}
	return g, nil
}

// GrantSource is the team source of a grant of entry: named as the entry.
func GrantSource(entry string, enforce []LabelMatcher) (SourceConfig, error) {
	g := SharedGrant{Source: entry, Enforce: enforce}
	if err := g.Validate(); err != nil {
		return SourceConfig{}, err
	}
	conf, err := json.Marshal(g)
	if err != nil {
		return SourceConfig{}, WrapError(EINTERNAL, err, "encoding a grant")
	}
	return SourceConfig{Name: entry, Plugin: PluginShared, Configuration: conf}, nil
}

// EnforcedFor returns the labels entry enforces on team, its own values
// rendered (TeamPlaceholder replaced by the team's name) and then the
// grant's over them, sorted as the entry lists them, the grant's own after.
func (s SharedSource) EnforcedFor(team string, g SharedGrant) []LabelMatcher {
	out := make([]LabelMatcher, 0, len(s.Enforce)+len(g.Enforce))
	own := map[string]string{}
	for _, m := range g.Enforce {
		own[m.Label] = m.Value
	}
	for _, m := range s.Enforce {
		v, ok := own[m.Label]
		if !ok {
			v = strings.ReplaceAll(m.Value, TeamPlaceholder, team)
		}
		out = append(out, LabelMatcher{Label: m.Label, Value: v})
		delete(own, m.Label)
	}
	for _, m := range g.Enforce {
		if _, ok := own[m.Label]; ok {
			out = append(out, m)
		}
	}
	return out
}

// SharedSourceStore keeps the admin's catalog of shared sources. Grants
// are team sources of PluginShared (CatalogStore), which go with their team.
//
// The conventions of StateStore hold for every method.
type SharedSourceStore interface {
	// CreateSharedSource adds an entry. EINVALID when SharedSource.Validate
	// fails, ECONFLICT if the name is taken.
	CreateSharedSource(ctx context.Context, s SharedSource) (SharedSource, error)
	// SharedSource returns one entry. ENOTFOUND if absent.
	SharedSource(ctx context.Context, name string) (SharedSource, error)
	// SharedSources returns every entry, sorted by name.
	SharedSources(ctx context.Context) ([]SharedSource, error)
	// UpdateSharedSource replaces the entry named s.Name (same rules as
	// CreateSharedSource). ENOTFOUND if absent.
	UpdateSharedSource(ctx context.Context, s SharedSource) (SharedSource, error)
	// DeleteSharedSource removes an entry. ENOTFOUND if absent, ECONFLICT
	// while a team's source (a grant) uses it.
	DeleteSharedSource(ctx context.Context, name string) error
}

// ResolveShared returns what a team's PluginShared source opens: the
// catalog entry's source under the team's source name, enforcing the
// labels of EnforcedFor. ENOTFOUND when the entry is gone.
func ResolveShared(ctx context.Context, st SharedSourceStore, team string, sc SourceConfig) (SourceConfig, error) {
	g, err := DecodeSharedGrant(sc.Configuration)
	if err != nil {
		return SourceConfig{}, err
	}
	entry, err := st.SharedSource(ctx, g.Source)
	if err != nil {
		if ErrorCode(err) == ENOTFOUND {
			return SourceConfig{}, Errorf(ENOTFOUND, "shared source %q is no longer in the catalog", g.Source)
		}
		return SourceConfig{}, err
	}
	out := entry.SourceConfig
	out.Name = sc.Name
	out.Enforce = entry.EnforcedFor(team, g)
	return out, nil
}
