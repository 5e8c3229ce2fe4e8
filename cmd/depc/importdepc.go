package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/qos"
	"github.com/depc-dev/depc/querytemplate"
	"github.com/depc-dev/depc/source/opentsdb"
	"github.com/depc-dev/depc/source/warp10"
)

// A DepC team's export is what the original DepC's API answers for the
// team (ovh/depc, depc/apiv1), read from files or from the API itself:
// each part is the answer to GET /v1/teams/<id>/<path>, and a file is
// <path>.json ("team.json" for the team itself). Paths:
//
//	(team)                                   {id, name, …}
//	sources                                  {"sources": [{id, name, plugin, configuration, checks: [{id, name, type, parameters}]}]}
//	rules                                    {"rules": [{id, name, description, checks: [{id, name, …}]}]}
//	variables                                [{name, value, type}]   (the team's)
//	sources/<id>/variables                   the same, a source's
//	rules/<id>/variables                     a rule's
//	sources/<sid>/checks/<cid>/variables     a check's
//	configs/current                          {id, data: {Label: {qos, label}}, …}
//
// Only the team, sources and rules are required; a missing part has
// nothing. Fields the original adds (createdAt, …) are ignored.

// maxExportPart bounds one part of an export.
const maxExportPart = 16 << 20

type depcTeam struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type depcSource struct {
	ID            string          `json:"id"`
	Name          string          `json:"name"`
	Plugin        string          `json:"plugin"`
	Configuration json.RawMessage `json:"configuration"`
	Checks        []depcCheck     `json:"checks"`
}

type depcCheck struct {
	ID         string                     `json:"id"`
	Name       string                     `json:"name"`
	Type       string                     `json:"type"`
	Parameters map[string]json.RawMessage `json:"parameters"`
}

type depcRule struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Checks      []struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"checks"`
}

type depcVariable struct {
	Name  string          `json:"name"`
	Value json.RawMessage `json:"value"`
	Type  string          `json:"type"`
}

// depcExport is a DepC team's export, decoded.
type depcExport struct {
	Team      depcTeam
	Sources   []depcSource
	Rules     []depcRule
	Variables []depcVariable
	// SourceVars, RuleVars by DepC id; CheckVars by check id.
	SourceVars, RuleVars, CheckVars map[string][]depcVariable
	// Config is the data of the current config (nil: none).
	Config json.RawMessage
}

// exportReader gives a part of an export by its path: found false when
// the export has none.
type exportReader func(path string) (b []byte, found bool, err error)

// decodePart decodes one part strictly enough to name what is wrong:
// part is its path, for messages.
func decodePart(part string, b []byte, v any) error {
	if len(b) > maxExportPart {
		return fmt.Errorf("%s: more than %d bytes", partName(part), maxExportPart)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		var se *json.SyntaxError
		switch {
		case errors.As(err, &te) && te.Field != "":
			return fmt.Errorf("%s: %s: must be a %s, not a %s", partName(part), te.Field, jsonKind(te.Type.Kind().String()), te.Value)
		case errors.As(err, &te):
			return fmt.Errorf("%s: must be a %s, not a %s", partName(part), jsonKind(te.Type.Kind().String()), te.Value)
		case errors.As(err, &se):
			return fmt.Errorf("%s: not valid JSON at byte %d: %v", partName(part), se.Offset, se)
		}
		return fmt.Errorf("%s: %v", partName(part), err)
	}
	if dec.More() {
		return fmt.Errorf("%s: more than one JSON value", partName(part))
	}
	return nil
}

func jsonKind(k string) string {
	switch k {
	case "slice":
		return "list"
	case "map", "struct":
		return "object"
	case "float64", "int", "int64":
		return "number"
	}
	return k
}

func partName(part string) string {
	if part == "" {
		return "team.json"
	}
	return part + ".json"
}

// readExport reads and decodes every part of an export. Errors name the
// part and the field.
func readExport(get exportReader) (*depcExport, error) {
	x := &depcExport{SourceVars: map[string][]depcVariable{}, RuleVars: map[string][]depcVariable{}, CheckVars: map[string][]depcVariable{}}
	read := func(part string, required bool, v any) (bool, error) {
		b, found, err := get(part)
		if err != nil {
			return false, fmt.Errorf("%s: %w", partName(part), err)
		}
		if !found {
			if required {
				return false, fmt.Errorf("%s: missing (the answer to GET /v1/teams/<id>/%s)", partName(part), part)
			}
			return false, nil
		}
		return true, decodePart(part, b, v)
	}
	if _, err := read("", true, &x.Team); err != nil {
		return nil, err
	}
	if strings.TrimSpace(x.Team.Name) == "" {
		return nil, fmt.Errorf("team.json: name: is required")
	}
	var sources struct {
		Sources *[]depcSource `json:"sources"`
	}
	if _, err := read("sources", true, &sources); err != nil {
		return nil, err
	}
	if sources.Sources == nil {
		return nil, fmt.Errorf("sources.json: sources: is required (a list)")
	}
	x.Sources = *sources.Sources
	for i, s := range x.Sources {
		if s.Name == "" {
			return nil, fmt.Errorf("sources.json: sources[%d].name: is required", i)
		}
		if s.Plugin == "" {
			return nil, fmt.Errorf("sources.json: sources[%d].plugin: is required", i)
		}
		for j, c := range s.Checks {
			if c.Name == "" {
				return nil, fmt.Errorf("sources.json: sources[%d].checks[%d].name: is required", i, j)
			}
		}
	}
	var rules struct {
		Rules *[]depcRule `json:"rules"`
	}
	if _, err := read("rules", true, &rules); err != nil {
		return nil, err
	}
	if rules.Rules == nil {
		return nil, fmt.Errorf("rules.json: rules: is required (a list)")
	}
	x.Rules = *rules.Rules
	for i, r := range x.Rules {
		if r.Name == "" {
			return nil, fmt.Errorf("rules.json: rules[%d].name: is required", i)
		}
		for j, c := range r.Checks {
			if c.Name == "" {
				return nil, fmt.Errorf("rules.json: rules[%d].checks[%d].name: is required", i, j)
			}
		}
	}
	if _, err := read("variables", false, &x.Variables); err != nil {
		return nil, err
	}
	for _, s := range x.Sources {
		if s.ID == "" {
			continue
		}
		var vs []depcVariable
		if ok, err := read("sources/"+s.ID+"/variables", false, &vs); err != nil {
			return nil, err
		} else if ok {
			x.SourceVars[s.ID] = vs
		}
		for _, c := range s.Checks {
			if c.ID == "" {
				continue
			}
			var vs []depcVariable
			if ok, err := read("sources/"+s.ID+"/checks/"+c.ID+"/variables", false, &vs); err != nil {
				return nil, err
			} else if ok {
				x.CheckVars[c.ID] = vs
			}
		}
	}
	for _, r := range x.Rules {
		if r.ID == "" {
			continue
		}
		var vs []depcVariable
		if ok, err := read("rules/"+r.ID+"/variables", false, &vs); err != nil {
			return nil, err
		} else if ok {
			x.RuleVars[r.ID] = vs
		}
	}
	var cfg struct {
		Data json.RawMessage `json:"data"`
	}
	ok, err := read("configs/current", false, &cfg)
	if err != nil {
		return nil, err
	}
	if ok {
		if len(cfg.Data) == 0 || string(cfg.Data) == "null" {
			return nil, fmt.Errorf("configs/current.json: data: is required (the config's labels)")
		}
		x.Config = cfg.Data
	}
	return x, nil
}

// importPlan is what an import creates, in order, and what it cannot map.
type importPlan struct {
	Team     depc.Team
	TeamVars map[string]string
	Sources  []plannedSource
	Checks   []plannedCheck
	Rules    []plannedRule
	Config   json.RawMessage
	Skipped  []skipped
}

type plannedSource struct {
	Config depc.SourceConfig
	Vars   map[string]string
	// Shown is the configuration with its secrets masked, for the plan.
	Shown string
}

type plannedCheck struct {
	Check depc.Check
	// First is the check as first created, when its query uses its own
	// variables (they can be set only once it exists): rendered with
	// them; the check is then updated to Check.
	First *depc.Check
	Vars  map[string]string
}

type plannedRule struct {
	Rule depc.Rule
	Vars map[string]string
}

// skipped is something of the DepC team that is not imported, and why.
type skipped struct {
	What, Why string
}

var depcName = regexp.MustCompile(`\{\{-?\s*depc\.name\s*-?\}\}`)

// teamSlug makes a depc team name of a DepC one ("My team" → "my-team").
func teamSlug(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.Trim(b.String(), "-")
}

// variables maps a DepC variable list: names that are not identifiers
// (DepC allowed spaces, written depc.team['a b']) are skipped.
func (p *importPlan) variables(where string, vs []depcVariable) map[string]string {
	out := map[string]string{}
	for _, v := range vs {
		var s string
		if err := json.Unmarshal(v.Value, &s); err != nil {
			var n json.Number
			if json.Unmarshal(v.Value, &n) != nil {
				p.skip(fmt.Sprintf("variable %s.%s", where, v.Name), "its value is not text or a number")
				continue
			}
			s = n.String()
		}
		if !querytemplate.ValidVariableName(v.Name) {
			p.skip(fmt.Sprintf("variable %s %q", where, v.Name), "depc's variable names are identifiers (letters, digits, _), written depc."+where+".NAME")
			continue
		}
		out[v.Name] = s
	}
	return out
}

func (p *importPlan) skip(what, why string) { p.Skipped = append(p.Skipped, skipped{what, why}) }

// planImport maps an export to what depc creates. team and timezone name
// the depc team ("" team: the DepC team's name made a depc name).
func planImport(x *depcExport, team, timezone string) (*importPlan, error) {
	if team == "" {
		team = teamSlug(x.Team.Name)
	}
	if timezone == "" {
		timezone = "UTC"
	}
	p := &importPlan{Team: depc.Team{Name: team, Timezone: timezone}}
	if err := depc.CheckTeam("--team", team); err != nil {
		return nil, fmt.Errorf("%s (DepC's team is %q: give --team)", depc.ErrorMessage(err), x.Team.Name)
	}
	if err := p.Team.Validate(); err != nil {
		return nil, fmt.Errorf("--timezone: %s", depc.ErrorMessage(err))
	}
	p.TeamVars = p.variables("team", x.Variables)
	checkNames := map[string]bool{}
	for _, s := range x.Sources {
		sc, shown, why := mapSource(s)
		if why != "" {
			p.skip(fmt.Sprintf("source %q (%s)", s.Name, s.Plugin), why)
			for _, c := range s.Checks {
				p.skip(fmt.Sprintf("check %q", c.Name), fmt.Sprintf("its source %q is not imported", s.Name))
			}
			continue
		}
		p.Sources = append(p.Sources, plannedSource{Config: sc, Vars: p.variables("source", x.SourceVars[s.ID]), Shown: shown})
		for _, c := range s.Checks {
			ch, why := mapCheck(s, c)
			if why != "" {
				p.skip(fmt.Sprintf("check %q", c.Name), why)
				continue
			}
			pc := plannedCheck{Check: ch, Vars: p.variables("check", x.CheckVars[c.ID])}
			if t, err := querytemplate.Parse(ch.Parameters.Query); err != nil {
				why := "parameters.query: " + err.Error()
				if strings.Contains(err.Error(), "not defined") {
					why += " (DepC's Jinja filters are not depc's: depc has " + strings.Join(querytemplate.Filters(), ", ") + ")"
				}
				p.skip(fmt.Sprintf("check %q", c.Name), why)
				continue
			} else if usesScope(t, querytemplate.ScopeCheck) {
				first := ch
				q, err := t.Render(querytemplate.Values{KeepName: true, Check: pc.Vars,
					Team: keepVars(t, querytemplate.ScopeTeam), Source: keepVars(t, querytemplate.ScopeSource), Rule: keepVars(t, querytemplate.ScopeRule)})
				if err != nil {
					p.skip(fmt.Sprintf("check %q", c.Name), "parameters.query: "+err.Error())
					continue
				}
				first.Parameters.Query = q
				pc.First = &first
			}
			p.Checks = append(p.Checks, pc)
			checkNames[c.Name] = true
		}
	}
	for _, r := range x.Rules {
		rule := depc.Rule{Name: r.Name}
		for _, c := range r.Checks {
			if !checkNames[c.Name] {
				p.skip(fmt.Sprintf("check %q of rule %q", c.Name, r.Name), "the check is not imported: the rule is imported without it")
				continue
			}
			if !containsString(rule.Checks, c.Name) {
				rule.Checks = append(rule.Checks, c.Name)
			}
		}
		if r.Description != "" {
			p.skip(fmt.Sprintf("description of rule %q", r.Name), "depc's rules have no description")
		}
		p.Rules = append(p.Rules, plannedRule{Rule: rule, Vars: p.variables("rule", x.RuleVars[r.ID])})
	}
	if x.Config != nil {
		cfg, err := qos.DecodeConfig(x.Config)
		if err == nil {
			err = cfg.Validate(func(r string) bool {
				for _, pr := range p.Rules {
					if pr.Rule.Name == r {
						return true
					}
				}
				return false
			})
		}
		if err != nil {
			p.skip("the config", err.Error())
		} else {
			p.Config = x.Config
		}
	} else {
		p.skip("the config", "the export has none (configs/current.json)")
	}
	p.skip("the dependency graph", "DepC's API does not export it: send the same messages to depc (Kafka or POST /teams/"+team+"/messages)")
	return p, nil
}

// keepVars renders every variable of scope in t as itself: the first
// creation of a check renders only the check's own.
func keepVars(t *querytemplate.Template, scope string) map[string]string {
	out := map[string]string{}
	for _, r := range t.Refs() {
		if r.Scope == scope {
			out[r.Name] = "{{ " + r.String() + " }}"
		}
	}
	return out
}

func usesScope(t *querytemplate.Template, scope string) bool {
	for _, r := range t.Refs() {
		if r.Scope == scope {
			return true
		}
	}
	return false
}

func containsString(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// mapSource maps a DepC source's plugin and configuration; why says what
// prevents it.
func mapSource(s depcSource) (depc.SourceConfig, string, string) {
	var conf map[string]any
	if len(s.Configuration) > 0 && string(s.Configuration) != "null" {
		if err := json.Unmarshal(s.Configuration, &conf); err != nil {
			return depc.SourceConfig{}, "", "configuration: must be a JSON object"
		}
	}
	str := func(k string) string { v, _ := conf[k].(string); return v }
	out := depc.SourceConfig{Name: s.Name}
	var shown string
	var c any
	switch s.Plugin {
	case depc.PluginFake:
		out.Plugin = depc.PluginFake
		c = map[string]any{}
		shown = "{}"
	case opentsdb.PluginName:
		out.Plugin = opentsdb.PluginName
		u := strings.TrimRight(str("url"), "/")
		if u == "" {
			return out, "", "configuration.url: is missing (DepC shows configurations to the team's managers only)"
		}
		m := map[string]any{"url": u}
		shown = fmt.Sprintf(`{"url": %q}`, u)
		if cred := str("credentials"); cred != "" {
			user, pass, _ := strings.Cut(cred, ":")
			m["basic_auth"] = map[string]string{"username": user, "password": pass}
			shown = fmt.Sprintf(`{"url": %q, "basic_auth": {"username": %q, "password": "********"}}`, u, user)
		}
		c = m
	case warp10.PluginName:
		out.Plugin = warp10.PluginName
		u := strings.TrimRight(str("url"), "/")
		u = strings.TrimSuffix(strings.TrimSuffix(u, "/exec"), "/api/v0")
		if u == "" || str("token") == "" {
			return out, "", "configuration.url and configuration.token: are required (DepC shows configurations to the team's managers only)"
		}
		c = map[string]any{"url": u, "token": str("token")}
		shown = fmt.Sprintf(`{"url": %q, "token": "********"}`, u)
	default:
		return out, "", fmt.Sprintf("plugin: depc has no %q plugin (it has Fake, OpenTSDB, WarpScript of DepC's, and Prometheus, InfluxDB)", s.Plugin)
	}
	b, err := json.Marshal(c)
	if err != nil {
		return out, "", err.Error()
	}
	out.Configuration = b
	return out, shown, ""
}

// mapCheck maps a DepC check: its query (the metric for Fake, the JSON
// sub-query of OpenTSDB, the script of WarpScript) with {{ depc.name }}
// rewritten as the depc source reads the node, and its threshold as text.
func mapCheck(s depcSource, c depcCheck) (depc.Check, string) {
	ch := depc.Check{Name: c.Name, Source: s.Name, Type: c.Type}
	if c.Type != depc.CheckThreshold && c.Type != depc.CheckInterval {
		return ch, fmt.Sprintf("type: %q is not %s or %s", c.Type, depc.CheckThreshold, depc.CheckInterval)
	}
	raw, ok := c.Parameters["query"]
	if !ok {
		raw, ok = c.Parameters["metric"] // DepC's earliest Fake checks
	}
	if !ok {
		return ch, "parameters.query: is missing"
	}
	var q string
	if err := json.Unmarshal(raw, &q); err != nil {
		return ch, "parameters.query: must be text"
	}
	th, ok := c.Parameters["threshold"]
	if !ok {
		return ch, "parameters.threshold: is missing"
	}
	var thr string
	if err := json.Unmarshal(th, &thr); err != nil {
		var n json.Number
		if err := json.Unmarshal(th, &n); err != nil {
			return ch, "parameters.threshold: must be a number or text"
		}
		thr = n.String()
	}
	ch.Parameters.Threshold = strings.TrimSpace(thr)
	switch s.Plugin {
	case opentsdb.PluginName:
		q2, why := openTSDBName(q)
		if why != "" {
			return ch, why
		}
		q = q2
	case warp10.PluginName:
		q2, why := warpScriptName(q)
		if why != "" {
			return ch, why
		}
		q = q2
	default:
		if depcName.MatchString(q) {
			return ch, "parameters.query: the Fake source's query is a metric name; {{ depc.name }} means nothing there"
		}
	}
	ch.Parameters.Query = q
	if ch.Type == depc.CheckThreshold {
		if _, err := strconv.ParseFloat(ch.Parameters.Threshold, 64); err != nil {
			return ch, fmt.Sprintf("parameters.threshold: %q is not a number", ch.Parameters.Threshold)
		}
	} else if _, err := qos.ParseInterval(ch.Parameters.Threshold); err != nil {
		return ch, fmt.Sprintf("parameters.threshold: %v", err)
	}
	return ch, ""
}

// openTSDBName writes the node of an OpenTSDB sub-query as the source
// reads it: a tag value or filter of exactly {{ depc.name }} becomes
// "$name"; the name within a longer value cannot be.
func openTSDBName(q string) (string, string) {
	if !depcName.MatchString(q) {
		return q, ""
	}
	var v any
	if err := json.Unmarshal([]byte(q), &v); err != nil {
		return "", "parameters.query: not a JSON sub-query: " + err.Error()
	}
	bad := ""
	var walk func(any) any
	walk = func(x any) any {
		switch t := x.(type) {
		case map[string]any:
			for k, e := range t {
				t[k] = walk(e)
			}
		case []any:
			for i, e := range t {
				t[i] = walk(e)
			}
		case string:
			if depcName.MatchString(t) {
				if depcName.ReplaceAllString(t, "") != "" {
					bad = t
				}
				return opentsdb.Placeholder
			}
		}
		return x
	}
	v = walk(v)
	if bad != "" {
		return "", fmt.Sprintf("parameters.query: %q holds the node's name within other text: depc's OpenTSDB source takes the node as a whole tag value (\"$name\")", bad)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", err.Error()
	}
	return string(b), ""
}

// warpString is a WarpScript string constant holding {{ depc.name }}.
var warpString = regexp.MustCompile(`'[^'\n]*\{\{-?\s*depc\.name\s*-?\}\}[^'\n]*'|"[^"\n]*\{\{-?\s*depc\.name\s*-?\}\}[^"\n]*"`)

// warpScriptName writes the node of a WarpScript as the source stores it,
// $name: a string constant '{{ depc.name }}' becomes $name, and one with
// more text around it the concatenation 'before' $name + 'after' +.
func warpScriptName(q string) (string, string) {
	out := warpString.ReplaceAllStringFunc(q, func(lit string) string {
		quote := lit[:1]
		parts := depcName.Split(lit[1:len(lit)-1], -1)
		var b strings.Builder
		for i, part := range parts {
			if i > 0 {
				if i == 1 && parts[0] == "" {
					b.WriteString("$name")
				} else {
					b.WriteString(" $name +")
				}
			} else if part != "" {
				b.WriteString(quote + part + quote)
			}
			if i > 0 && part != "" {
				b.WriteString(" " + quote + part + quote + " +")
			}
		}
		return strings.TrimSpace(b.String())
	})
	if depcName.MatchString(out) {
		return "", "parameters.query: {{ depc.name }} outside a WarpScript string: write the node as $name"
	}
	return out, ""
}

// print writes the plan for a person.
func (p *importPlan) print(w *strings.Builder) {
	fmt.Fprintf(w, "team %s (time zone %s)\n", p.Team.Name, p.Team.Timezone)
	printVars := func(where string, vs map[string]string) {
		keys := make([]string, 0, len(vs))
		for k := range vs {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(w, "  variable depc.%s.%s = %q\n", where, k, vs[k])
		}
	}
	printVars("team", p.TeamVars)
	for _, s := range p.Sources {
		fmt.Fprintf(w, "source %q: plugin %s, configuration %s\n", s.Config.Name, s.Config.Plugin, s.Shown)
		printVars("source", s.Vars)
	}
	for _, c := range p.Checks {
		fmt.Fprintf(w, "check %q on source %q: %s %s, query %q\n", c.Check.Name, c.Check.Source, c.Check.Type, c.Check.Parameters.Threshold, c.Check.Parameters.Query)
		printVars("check", c.Vars)
	}
	for _, r := range p.Rules {
		fmt.Fprintf(w, "rule %q: checks %q\n", r.Rule.Name, r.Rule.Checks)
		printVars("rule", r.Vars)
	}
	if p.Config != nil {
		var labels map[string]json.RawMessage
		_ = json.Unmarshal(p.Config, &labels)
		keys := make([]string, 0, len(labels))
		for k := range labels {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		fmt.Fprintf(w, "config: %d labels (%s)\n", len(keys), strings.Join(keys, ", "))
	}
	for _, s := range p.Skipped {
		fmt.Fprintf(w, "not imported: %s: %s\n", s.What, s.Why)
	}
}

// exportURL is the URL of an export's part on a DepC API.
func exportURL(base *url.URL, team, part string) string {
	u := base.JoinPath("teams", team)
	if part != "" {
		u = u.JoinPath(strings.Split(part, "/")...)
	}
	return u.String()
}
