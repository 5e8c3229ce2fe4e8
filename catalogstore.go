package depc

import (
	"context"
	"encoding/json"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxResourceNameLen bounds the names of sources, checks and rules, in bytes.
const MaxResourceNameLen = 128

// ValidResourceName reports whether s may name a source, a check or a rule:
// 1 to MaxResourceNameLen bytes of UTF-8 without control characters and
// without leading or trailing space. Spaces inside are allowed ("Server
// Ping").
func ValidResourceName(s string) bool {
	if s == "" || len(s) > MaxResourceNameLen || !utf8.ValidString(s) || strings.TrimSpace(s) != s {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}

// Rule is a named set of checks (indicators); a node's rule timeline is the
// AND of its checks' timelines.
type Rule struct {
	Name string `json:"name"`
	// Checks are check names, in the order given, without duplicates.
	Checks []string `json:"checks"`
}

// ConfigVersion is one saved version of a team's config. Versions are
// immutable: saving, or restoring an old version, creates a new one.
type ConfigVersion struct {
	// ID increases with every save, per team, from 1.
	ID int64 `json:"id"`
	// CreatedAt is when the version was saved, in Unix seconds.
	CreatedAt int64 `json:"created_at"`
	// Config is the config document as JSON, exactly as saved. Package
	// qos parses it; the state store only keeps it.
	Config json.RawMessage `json:"config"`
	// Rules are the names of the rules the config uses, sorted, saved with
	// it so that the store can refuse to delete a rule the current config
	// needs.
	Rules []string `json:"-"`
}

// CatalogStore keeps what a team computes with: its sources, checks and
// rules, and the versions of its config.
//
// The conventions of StateStore hold for every method.
type CatalogStore interface {
	// CreateSource creates a source. EINVALID when SourceConfig.Validate
	// fails (an absent configuration becomes {}); ECONFLICT if the name is
	// taken. The plugin's own rules are checked by the caller.
	CreateSource(ctx context.Context, team string, s SourceConfig) (SourceConfig, error)
	// Source returns one source. ENOTFOUND if absent.
	Source(ctx context.Context, team, name string) (SourceConfig, error)
	// Sources returns the team's sources, sorted by name.
	Sources(ctx context.Context, team string) ([]SourceConfig, error)
	// UpdateSource replaces the source named s.Name (same rules as
	// CreateSource). Names never change. ENOTFOUND if absent.
	UpdateSource(ctx context.Context, team string, s SourceConfig) (SourceConfig, error)
	// DeleteSource removes a source. ENOTFOUND if absent, ECONFLICT while
	// a check uses it.
	DeleteSource(ctx context.Context, team, name string) error

	// CreateCheck creates a check. EINVALID when Check.Validate fails or
	// for a source the team does not have ("source"); ECONFLICT if the
	// name is taken. The query is checked by the caller (the source's
	// ValidateCheck).
	CreateCheck(ctx context.Context, team string, c Check) (Check, error)
	// Check returns one check. ENOTFOUND if absent.
	Check(ctx context.Context, team, name string) (Check, error)
	// Checks returns the team's checks, sorted by name.
	Checks(ctx context.Context, team string) ([]Check, error)
	// UpdateCheck replaces the check named c.Name (same rules as
	// CreateCheck). ENOTFOUND if absent.
	UpdateCheck(ctx context.Context, team string, c Check) (Check, error)
	// DeleteCheck removes a check. ENOTFOUND if absent, ECONFLICT while a
	// rule uses it.
	DeleteCheck(ctx context.Context, team, name string) error

	// CreateRule creates a rule. EINVALID when Rule.Validate fails or for
	// a check the team does not have ("checks[i]"); ECONFLICT if the name
	// is taken.
	CreateRule(ctx context.Context, team string, r Rule) (Rule, error)
	// Rule returns one rule. ENOTFOUND if absent.
	Rule(ctx context.Context, team, name string) (Rule, error)
	// Rules returns the team's rules, sorted by name.
	Rules(ctx context.Context, team string) ([]Rule, error)
	// UpdateRule replaces the checks of the rule named r.Name (same rules
	// as CreateRule). ENOTFOUND if absent.
	UpdateRule(ctx context.Context, team string, r Rule) (Rule, error)
	// DeleteRule removes a rule. ENOTFOUND if absent, ECONFLICT while the
	// current config uses it (older versions do not count).
	DeleteRule(ctx context.Context, team, name string) error

	// SaveConfig saves a new config version, which becomes current, and
	// returns it. doc is the config document (a JSON object, validated by
	// the caller with package qos), rules the names of the rules it uses.
	// EINVALID when doc is not a JSON object or a rule does not exist
	// ("rule.NAME").
	SaveConfig(ctx context.Context, team string, doc json.RawMessage, rules []string) (ConfigVersion, error)
	// Config returns the current (newest) version. ENOTFOUND when the team
	// has none.
	Config(ctx context.Context, team string) (ConfigVersion, error)
	// ConfigVersion returns one version. ENOTFOUND if absent.
	ConfigVersion(ctx context.Context, team string, id int64) (ConfigVersion, error)
	// Configs returns every version of the team's config, newest first.
	Configs(ctx context.Context, team string) ([]ConfigVersion, error)
}
