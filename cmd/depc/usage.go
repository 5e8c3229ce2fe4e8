package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
)

// The command-line conventions every command follows: `depc <cmd> -h` (or
// --help) prints the command's usage on stdout and succeeds, so that it can
// be piped and read; a mistake prints the error and the usage on stderr and
// fails. A command that groups subcommands (bench, dlq) lists them with
// their flags.

// subcommands are the groups of subcommands, by command, for usage texts.
var subcommands = map[string]map[string]command{
	"bench":   benchmarks,
	"dlq":     dlqCommands,
	"secrets": secretsCommands,
	"state":   stateCommands,
	"import":  importCommands,
}

// summaryOf is the one-line description of a command ("run") or of a
// subcommand ("bench api").
func summaryOf(name string) string {
	if parent, sub, ok := strings.Cut(name, " "); ok {
		return subcommands[parent][sub].summary
	}
	return commands[name].summary
}

// newFlagSet returns the flag set of command name (a command, "run", or a
// subcommand, "bench api"), whose usage is "usage: depc <synopsis>", the
// command's summary and its flags.
func newFlagSet(name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "usage: depc %s\n", synopsis)
		if s := summaryOf(name); s != "" {
			fmt.Fprintf(w, "\n%s\n", s)
		}
		n := 0
		fs.VisitAll(func(*flag.Flag) { n++ })
		if n > 0 {
			fmt.Fprintln(w, "\nflags:")
			fs.PrintDefaults()
		}
	}
	return fs
}

// parseFlags parses a command's arguments. On -h or --help it prints the
// usage on stdout and returns flag.ErrHelp, which run turns into success;
// on a mistake the flag package has written the error on stderr, followed
// by the usage, and the error is returned.
func parseFlags(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) error {
	usage := fs.Usage
	fs.Usage = func() {} // shown below, on the stream that fits
	fs.SetOutput(stderr)
	err := fs.Parse(args)
	fs.Usage = usage
	switch {
	case errors.Is(err, flag.ErrHelp):
		fs.SetOutput(stdout)
		fs.Usage()
		fs.SetOutput(stderr)
		return flag.ErrHelp
	case err != nil:
		fs.Usage()
		return err
	}
	return nil
}

// isHelp reports whether arg asks for help.
func isHelp(arg string) bool {
	switch arg {
	case "-h", "-help", "--help", "help":
		return true
	}
	return false
}

// runSubcommand runs the subcommand args[0] of command parent. Without
// one, or with an unknown one, it prints the usage on stderr and fails; on
// -h, --help or help it prints the usage on stdout and returns
// flag.ErrHelp.
func runSubcommand(ctx context.Context, parent string, args []string, stdout, stderr io.Writer) error {
	subs := subcommands[parent]
	if len(args) > 0 {
		if sub, ok := subs[args[0]]; ok {
			return sub.run(ctx, args[1:], stdout, stderr)
		}
		if isHelp(args[0]) {
			subcommandUsage(ctx, stdout, parent)
			return flag.ErrHelp
		}
	}
	subcommandUsage(ctx, stderr, parent)
	names := sortedNames(subs)
	if len(args) == 0 {
		return fmt.Errorf("%s: missing subcommand (%s)", parent, strings.Join(names, ", "))
	}
	return fmt.Errorf("%s: unknown subcommand %q (%s)", parent, args[0], strings.Join(names, ", "))
}

// subcommandUsage lists the subcommands of parent, then the usage of each
// with its flags. Each subcommand prints its own usage when asked for
// help, before doing anything, so the texts cannot drift.
func subcommandUsage(ctx context.Context, w io.Writer, parent string) {
	subs := subcommands[parent]
	names := sortedNames(subs)
	fmt.Fprintf(w, "usage: depc %s <subcommand> [flags]\n\n%s\n\nsubcommands:\n", parent, summaryOf(parent))
	for _, name := range names {
		fmt.Fprintf(w, "  %-10s %s\n", name, subs[name].summary)
	}
	for _, name := range names {
		fmt.Fprintln(w)
		_ = subs[name].run(ctx, []string{"-h"}, w, w)
	}
}

func sortedNames(m map[string]command) []string {
	names := make([]string, 0, len(m))
	for name := range m {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}
