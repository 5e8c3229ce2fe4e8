package depc

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/depc-dev/depc/qos"
	"github.com/depc-dev/depc/qos/expr"
)

// The rules of a team's catalog (sources, checks, rules) that hold whoever
// saves it: the API checks them to answer early, and every state store
// checks them again, so a store never holds what the API would refuse.
// What needs more than the value itself (a check's source exists, its
// query suits its plugin) is checked by the caller that has it.

// Limits of a check's parameters, in seconds.
const (
	// MaxCheckStep is the coarsest query resolution: one datapoint a day.
	MaxCheckStep = 86400
	// MaxCheckLookback is how far before a window a source may look for
	// the state at its start: a week.
	MaxCheckLookback = 7 * 86400
)

// CheckResourceName answers EINVALID naming field when s may not name a
// source, a check or a rule (ValidResourceName).
func CheckResourceName(field, s string) error {
	if !ValidResourceName(s) {
		return Errorf(EINVALID, "%s: %q must be 1 to %d bytes of text without control characters or surrounding spaces", field, s, MaxResourceNameLen)
	}
	return nil
}

// Validate checks what a source configuration must be whatever its
// plugin: a resource name, a plugin named, and a configuration that is a
// JSON object or absent (nil, empty or null, read as {}). The plugin's own
// rules are its Open's. EINVALID names the field.
func (sc SourceConfig) Validate() error {
	if err := CheckResourceName("name", sc.Name); err != nil {
		return err
	}
	if sc.Plugin == "" || len(sc.Plugin) > MaxResourceNameLen {
		return Errorf(EINVALID, "plugin: required (at most %d bytes)", MaxResourceNameLen)
	}
	if !absentJSON(sc.Configuration) && !jsonObject(sc.Configuration) {
		return Errorf(EINVALID, "configuration: must be a JSON object")
	}
	return nil
}

// absentJSON reports whether b holds no JSON value, or null.
func absentJSON(b []byte) bool {
	b = bytes.TrimSpace(b)
	return len(b) == 0 || string(b) == "null"
}

// jsonObject reports whether b is one JSON object.
func jsonObject(b []byte) bool {
	b = bytes.TrimSpace(b)
	return len(b) > 0 && b[0] == '{' && json.Valid(b)
}

// Bound parses the check's threshold by its type: "T" for a Threshold
// check, "A:B" for an Interval one. The error is the engine's, without a
// field: Validate says which one.
func (c Check) Bound() (qos.Bound, error) {
	switch c.Type {
	case CheckThreshold:
		return qos.ParseThreshold(c.Parameters.Threshold)
	case CheckInterval:
		return qos.ParseInterval(c.Parameters.Threshold)
	}
	return qos.Bound{}, fmt.Errorf("type %q is not %s or %s", c.Type, CheckThreshold, CheckInterval)
}

// Validate checks what a check must be whatever its source: a resource
// name, a type and a threshold written for it, a query, a step within
// [0, MaxCheckStep] and a lookback within [0, MaxCheckLookback] (0 is the
// source's default for both), a missing-data policy that is "", unknown,
// ok or ko, and a source named. Whether the source
// exists and takes the query is for the caller. EINVALID names the field
// as the API does ("parameters.threshold").
func (c Check) Validate() error {
	if err := CheckResourceName("name", c.Name); err != nil {
		return err
	}
	if c.Type != CheckThreshold && c.Type != CheckInterval {
		return Errorf(EINVALID, "type: must be %s or %s, not %q", CheckThreshold, CheckInterval, c.Type)
	}
	if _, err := c.Bound(); err != nil {
		return Errorf(EINVALID, "parameters.threshold: %v", err)
	}
	p := c.Parameters
	switch {
	case p.Query == "":
		return Errorf(EINVALID, "parameters.query: required")
	case p.Step < 0 || p.Step > MaxCheckStep:
		return Errorf(EINVALID, "parameters.step: must be between 0 (the source's default) and %d seconds, not %d", MaxCheckStep, p.Step)
	case p.Lookback < 0 || p.Lookback > MaxCheckLookback:
		return Errorf(EINVALID, "parameters.lookback: must be between 0 (the source's default) and %d seconds, not %d", MaxCheckLookback, p.Lookback)
	case p.Missing != "" && p.Missing != MissingUnknown && p.Missing != MissingOK && p.Missing != MissingKO:
		return Errorf(EINVALID, "parameters.missing: must be %s (the default), %s or %s, not %q", MissingUnknown, MissingOK, MissingKO, p.Missing)
	case c.Source == "":
		return Errorf(EINVALID, "source: required")
	}
	return nil
}

// Validate checks what a rule must be whatever the team's checks: a name
// that configs can write (rule.NAME, expr.ValidateRuleName) and that is a
// resource name, and at least one check, none listed twice. Whether the
// checks exist is for the caller. EINVALID names the field.
func (r Rule) Validate() error {
	if err := expr.ValidateRuleName(r.Name); err != nil {
		return Errorf(EINVALID, "name: %v", err)
	}
	if err := CheckResourceName("name", r.Name); err != nil {
		return err
	}
	if len(r.Checks) == 0 {
		return Errorf(EINVALID, "checks: a rule needs at least one check")
	}
	for i, c := range r.Checks {
		if slices.Index(r.Checks[:i], c) >= 0 {
			return Errorf(EINVALID, "checks[%d]: %q is listed twice", i, c)
		}
	}
	return nil
}
