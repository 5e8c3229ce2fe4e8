// Command depc is the one binary of depc: `depc serve` runs everything in
// one process; `depc api`, `depc consume` and `depc schedule` run the parts
// separately against shared stores; `depc run`, `depc gen`, `depc bench`,
// `depc dlq` and `depc version` are tools.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	// Team time zones must resolve on machines without zoneinfo.
	_ "time/tzdata"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

// command is one subcommand. Each lives in its own file and registers
// itself in commands from an init function.
type command struct {
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

var commands = map[string]command{}

func init() {
	commands["version"] = command{summary: "print the version", run: versionCommand}
}

func versionCommand(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("version", "version")
	if err := parseFlags(fs, args, stdout, stderr); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("version: unexpected argument %q", fs.Arg(0))
	}
	fmt.Fprintln(stdout, "depc", version)
	return nil
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "depc:", err)
		os.Exit(1)
	}
}

// run is the whole program, testable: it never exits and writes only to
// the given streams. A command asked for help (-h, --help) prints its
// usage and returns flag.ErrHelp, which is success.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		usage(stderr)
		return fmt.Errorf("missing command")
	}
	if isHelp(args[0]) {
		usage(stdout)
		return nil
	}
	cmd, ok := commands[args[0]]
	if !ok {
		usage(stderr)
		return fmt.Errorf("unknown command %q", args[0])
	}
	if err := cmd.run(ctx, args[1:], stdout, stderr); !errors.Is(err, flag.ErrHelp) {
		return err
	}
	return nil
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: depc <command> [flags]\n\ncommands:")
	for _, name := range sortedNames(commands) {
		fmt.Fprintf(w, "  %-10s %s\n", name, commands[name].summary)
	}
	fmt.Fprintln(w, "\nRun 'depc <command> -h' for a command's usage and flags.")
}
