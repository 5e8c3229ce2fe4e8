package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

func init() {
	commands["import"] = command{summary: "import a team from another tool: `depc import depc` reads a DepC team's sources, checks, rules, variables and config",
		run: func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
			return runSubcommand(ctx, "import", args, stdout, stderr)
		}}
	importCommands["depc"] = command{summary: "create a DepC team's sources, checks, rules, variables and config in depc through its API, with a report of what cannot be mapped (--dry-run: the plan only)", run: importDepcCommand}
}

// importCommands are the subcommands of `depc import`.
var importCommands = map[string]command{}

func importDepcCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("import depc", "import depc (--from DIR | --from-url URL --from-team ID) [--dry-run | --to URL] [flags]")
	var (
		from      = fs.String("from", "", "a directory holding the DepC team's export: team.json, sources.json, rules.json, … (see docs/migrate-from-depc.md)")
		fromURL   = fs.String("from-url", "", "the DepC API's base URL, with its /v1 (https://depc.example.com/v1)")
		fromTeam  = fs.String("from-team", "", "with --from-url: the DepC team's id")
		fromToken = fs.String("from-token", os.Getenv("DEPC_IMPORT_FROM_TOKEN"), "with --from-url: sent as Authorization: Bearer (env DEPC_IMPORT_FROM_TOKEN)")
		fromUser  = fs.String("from-user", "", "with --from-url: sent as X-Remote-User, the header DepC's proxy sets")
		to        = fs.String("to", "http://127.0.0.1:8080", "the depc server's URL")
		token     = fs.String("token", os.Getenv("DEPC_TOKEN"), "a depc token allowed to create teams (env DEPC_TOKEN)")
		team      = fs.String("team", "", "the depc team's name (default: DepC's team name, lowercased, other characters as -)")
		timezone  = fs.String("timezone", "UTC", "the depc team's time zone (DepC's days were UTC)")
		existing  = fs.Bool("existing", false, "import into a team that exists already")
		dryRun    = fs.Bool("dry-run", false, "print the plan and change nothing")
	)
	if err := parseFlags(fs, args, stdout, stderr); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("import depc: unexpected argument %q", fs.Arg(0))
	}
	var get exportReader
	switch {
	case *from != "" && *fromURL != "":
		return fmt.Errorf("import depc: give --from or --from-url, not both")
	case *from != "":
		get = dirExport(*from)
	case *fromURL != "":
		if *fromTeam == "" {
			return fmt.Errorf("import depc: --from-team: is required with --from-url (the DepC team's id)")
		}
		g, err := urlExport(ctx, *fromURL, *fromTeam, *fromToken, *fromUser)
		if err != nil {
			return err
		}
		get = g
	default:
		return fmt.Errorf("import depc: give --from DIR or --from-url URL")
	}
	x, err := readExport(get)
	if err != nil {
		return fmt.Errorf("import depc: %w", err)
	}
	p, err := planImport(x, *team, *timezone)
	if err != nil {
		return fmt.Errorf("import depc: %w", err)
	}
	var out strings.Builder
	if *dryRun {
		fmt.Fprintf(&out, "import depc: the plan for DepC team %q (dry run: nothing is changed)\n", x.Team.Name)
		p.print(&out)
		_, err := io.WriteString(stdout, out.String())
		return err
	}
	if *token == "" {
		return fmt.Errorf("import depc: --token: is required (or DEPC_TOKEN), unless --dry-run")
	}
	c := &depcClient{base: strings.TrimRight(*to, "/") + "/api/v1", token: *token, http: &http.Client{Timeout: time.Minute}}
	created, err := p.apply(ctx, c, *existing)
	fmt.Fprintf(&out, "import depc: DepC team %q into depc team %q: %d created\n", x.Team.Name, p.Team.Name, created)
	for _, s := range p.Skipped {
		fmt.Fprintf(&out, "not imported: %s: %s\n", s.What, s.Why)
	}
	if _, werr := io.WriteString(stdout, out.String()); werr != nil && err == nil {
		err = werr
	}
	if err != nil {
		return fmt.Errorf("import depc: %w", err)
	}
	return nil
}

// dirExport reads an export's parts from files under dir.
func dirExport(dir string) exportReader {
	return func(part string) ([]byte, bool, error) {
		name := partName(part)
		f, err := os.Open(filepath.Join(dir, filepath.FromSlash(name)))
		if errors.Is(err, fs.ErrNotExist) {
			return nil, false, nil
		}
		if err != nil {
			return nil, false, err
		}
		defer f.Close()
		b, err := io.ReadAll(io.LimitReader(f, maxExportPart+1))
		return b, true, err
	}
}

// urlExport reads an export's parts from DepC's API.
func urlExport(ctx context.Context, base, team, token, user string) (exportReader, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("import depc: --from-url: %q is not an http(s) URL", base)
	}
	client := &http.Client{Timeout: time.Minute}
	return func(part string) ([]byte, bool, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, exportURL(u, team, part), nil)
		if err != nil {
			return nil, false, err
		}
		req.Header.Set("Accept", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		if user != "" {
			req.Header.Set("X-Remote-User", user)
		}
		resp, err := client.Do(req)
		if err != nil {
			return nil, false, fmt.Errorf("GET %s: %w", req.URL.Redacted(), err)
		}
		defer resp.Body.Close()
		if resp.StatusCode == http.StatusNotFound && strings.HasSuffix(part, "variables") || resp.StatusCode == http.StatusNotFound && part == "configs/current" {
			return nil, false, nil
		}
		if resp.StatusCode != http.StatusOK {
			return nil, false, fmt.Errorf("GET %s: HTTP %d", req.URL.Redacted(), resp.StatusCode)
		}
		b, err := io.ReadAll(io.LimitReader(resp.Body, maxExportPart+1))
		return b, true, err
	}, nil
}

// depcClient calls depc's API.
type depcClient struct {
	base, token string
	http        *http.Client
}

// apiError is an error depc's API answered: its message names the field.
type apiError struct {
	Status  int
	Code    string
	Message string
}

func (e *apiError) Error() string { return e.Message }

func (c *depcClient) call(ctx context.Context, method, path string, body any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 == 2 {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		return nil
	}
	var e struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	rb, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if json.Unmarshal(rb, &e) != nil || e.Error.Message == "" {
		return &apiError{Status: resp.StatusCode, Message: fmt.Sprintf("HTTP %d", resp.StatusCode)}
	}
	return &apiError{Status: resp.StatusCode, Code: e.Error.Code, Message: e.Error.Message}
}

// apply creates the plan through depc's API, so that everything passes the
// validation the API gives any request: the team (unless existing), its
// variables, the sources and theirs, the checks (first rendered with their
// own variables when they use them, which can be set only once the check
// exists), the rules and theirs, the config. What the API refuses is added
// to Skipped with its message and the rest goes on; the error is only for
// what stops the import (the team, the server).
func (p *importPlan) apply(ctx context.Context, c *depcClient, existing bool) (int, error) {
	created := 0
	t := "/teams/" + url.PathEscape(p.Team.Name)
	if !existing {
		if err := c.call(ctx, http.MethodPost, "/teams", p.Team); err != nil {
			var ae *apiError
			if errors.As(err, &ae) && ae.Status == http.StatusConflict {
				return 0, fmt.Errorf("team %s exists: import into it with --existing, or name another with --team", p.Team.Name)
			}
			return 0, fmt.Errorf("creating team %s: %w", p.Team.Name, err)
		}
		created++
	}
	refused := func(what string, err error) bool {
		if err == nil {
			created++
			return false
		}
		var ae *apiError
		if !errors.As(err, &ae) {
			p.skip(what, err.Error())
		} else {
			p.skip(what, "depc refused it: "+ae.Message)
		}
		return true
	}
	putVars := func(what, path string, vs map[string]string) {
		if len(vs) > 0 {
			refused(what, c.call(ctx, http.MethodPut, path, map[string]any{"variables": vs}))
		}
	}
	putVars("the team's variables", t+"/variables/team", p.TeamVars)
	for _, s := range p.Sources {
		if refused(fmt.Sprintf("source %q", s.Config.Name), c.call(ctx, http.MethodPost, t+"/sources", s.Config)) {
			continue
		}
		putVars(fmt.Sprintf("variables of source %q", s.Config.Name), t+"/sources/"+url.PathEscape(s.Config.Name)+"/variables", s.Vars)
	}
	for _, ch := range p.Checks {
		first := ch.Check
		if ch.First != nil {
			first = *ch.First
		}
		if refused(fmt.Sprintf("check %q", ch.Check.Name), c.call(ctx, http.MethodPost, t+"/checks", first)) {
			continue
		}
		path := t + "/checks/" + url.PathEscape(ch.Check.Name)
		putVars(fmt.Sprintf("variables of check %q", ch.Check.Name), path+"/variables", ch.Vars)
		if ch.First != nil {
			if refused(fmt.Sprintf("check %q with its variables", ch.Check.Name), c.call(ctx, http.MethodPut, path, ch.Check)) {
				continue
			}
			created-- // the same check
		}
	}
	for _, r := range p.Rules {
		if refused(fmt.Sprintf("rule %q", r.Rule.Name), c.call(ctx, http.MethodPost, t+"/rules", r.Rule)) {
			continue
		}
		putVars(fmt.Sprintf("variables of rule %q", r.Rule.Name), t+"/rules/"+url.PathEscape(r.Rule.Name)+"/variables", r.Vars)
	}
	if p.Config != nil {
		refused("the config", c.call(ctx, http.MethodPut, t+"/config", p.Config))
	}
	return created, nil
}
