package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestHelp: every command and subcommand, asked for help with -h or
// --help, prints its usage and flags on stdout and succeeds, without doing
// anything else; bench and dlq list their subcommands with the flags of
// each.
func TestHelp(t *testing.T) {
	type want struct {
		args []string
		has  []string // what stdout must hold besides "usage: depc <args>"
	}
	var cases []want
	for _, name := range sortedNames(commands) {
		cases = append(cases, want{args: []string{name}, has: []string{commands[name].summary}})
	}
	for parent, subs := range subcommands {
		for _, name := range sortedNames(subs) {
			cases = append(cases, want{args: []string{parent, name}, has: []string{subs[name].summary}})
		}
	}
	// The flags each command documents.
	flags := map[string][]string{
		"serve":          {"-config", "-data", "-addr", "-demo", "-embedded-kafka"},
		"admin-token":    {"-config", "-data"},
		"api":            {"-config", "-data", "-addr"},
		"consume":        {"-config", "-data", "-addr"},
		"schedule":       {"-config", "-data", "-addr"},
		"healthcheck":    {"-config", "-addr", "-ready", "-timeout"},
		"run":            {"-team", "-day", "-from", "-to", "-config", "-data"},
		"gen":            {"-size", "-team", "-out", "-load", "-config", "-data"},
		"bench":          {"subcommands:", "usage: depc bench compute", "usage: depc bench api ", "usage: depc bench api-load", "usage: depc bench budgets", "usage: depc bench report", "-size", "-days", "-rate", "-url", "-targets", "-live"},
		"dlq":            {"subcommands:", "usage: depc dlq replay", "-topic", "-brokers"},
		"bench compute":  {"-size", "-days", "-cpuprofile"},
		"bench api":      {"-rate", "-duration", "-conns"},
		"bench api-load": {"-url", "-token", "-targets"},
		"bench budgets":  {"-data", "-days", "-window", "-live"},
		"bench report":   {"-data", "-days", "-label", "-target"},
		"dlq replay":     {"-topic", "-brokers", "-config"},
		"secrets":        {"subcommands:", "usage: depc secrets rotate", "-config", "-data"},
		"secrets rotate": {"-config", "-data"},
		"state":          {"subcommands:", "usage: depc state copy", "-from", "-to", "-force"},
		"state copy":     {"-from", "-to", "-force", "-allow-non-empty"},
		"import":         {"subcommands:", "usage: depc import depc", "-dry-run"},
		"import depc":    {"-from", "-from-url", "-from-team", "-to", "-token", "-team", "-dry-run"},
	}
	for _, c := range cases {
		name := strings.Join(c.args, " ")
		if _, ok := flags[name]; !ok && name != "version" {
			t.Errorf("%s: no flags listed in TestHelp for a new command", name)
		}
		for _, h := range []string{"-h", "--help"} {
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), append(c.args, h), &stdout, &stderr)
			if err != nil {
				t.Errorf("depc %s %s: %v, want success", name, h, err)
			}
			if stderr.Len() > 0 {
				t.Errorf("depc %s %s wrote on stderr:\n%s", name, h, &stderr)
			}
			out := stdout.String()
			for _, s := range append([]string{"usage: depc " + name}, append(c.has, flags[name]...)...) {
				if !strings.Contains(out, s) {
					t.Errorf("depc %s %s: stdout lacks %q:\n%s", name, h, s, out)
				}
			}
		}
	}
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"--help"}, &stdout, &stderr); err != nil || !strings.Contains(stdout.String(), "depc <command> -h") {
		t.Errorf("depc --help: %v\n%s", err, &stdout)
	}
}

// TestUsageMistakes: a wrong flag, a missing or unknown subcommand, and a
// stray argument fail, with the usage on stderr and nothing on stdout.
func TestUsageMistakes(t *testing.T) {
	for _, tc := range []struct {
		args []string
		err  string
	}{
		{[]string{"run", "--bogus"}, "flag provided but not defined: -bogus"},
		{[]string{"serve", "--data"}, "flag needs an argument: -data"},
		{[]string{"gen", "--load=maybe"}, "invalid boolean value"},
		{[]string{"bench"}, "bench: missing subcommand (api, api-load, budgets, compute, report)"},
		{[]string{"bench", "memory"}, `bench: unknown subcommand "memory"`},
		{[]string{"dlq"}, "dlq: missing subcommand (replay)"},
		{[]string{"secrets"}, "secrets: missing subcommand (rotate)"},
		{[]string{"dlq", "replay", "--bogus"}, "flag provided but not defined: -bogus"},
		{[]string{"version", "extra"}, `version: unexpected argument "extra"`},
		{[]string{"nope"}, `unknown command "nope"`},
	} {
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), tc.args, &stdout, &stderr)
		if err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("depc %s: %v, want an error with %q", strings.Join(tc.args, " "), err, tc.err)
		}
		if stdout.Len() > 0 {
			t.Errorf("depc %s wrote on stdout:\n%s", strings.Join(tc.args, " "), &stdout)
		}
		if tc.args[0] != "version" && !strings.Contains(stderr.String(), "usage: depc") {
			t.Errorf("depc %s: no usage on stderr:\n%s", strings.Join(tc.args, " "), &stderr)
		}
	}
}
