package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/state/statecopy"
)

func init() {
	commands["state"] = command{summary: "the state store: `depc state copy` copies it to another backend (SQLite ↔ PostgreSQL)",
		run: func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
			return runSubcommand(ctx, "state", args, stdout, stderr)
		}}
	stateCommands["copy"] = command{summary: "copy every table of a state store into another, then check each table's rows and checksum", run: stateCopy}
}

// stateCommands are the subcommands of `depc state`.
var stateCommands = map[string]command{}

func stateCopy(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("state copy", "state copy --from <sqlite path|postgres url> --to <sqlite path|postgres url> [--force]")
	var (
		from  = fs.String("from", "", "the store copied: a SQLite state file, a data directory (its state.db), or a postgres:// URL")
		to    = fs.String("to", "", "the store written: a SQLite state file (created), a data directory, or a postgres:// URL; it must be empty")
		force = fs.Bool("force", false, "empty a target that holds data first (its data is lost)")
	)
	fs.BoolVar(force, "allow-non-empty", false, "the same as --force")
	if err := parseFlags(fs, args, stdout, stderr); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return fmt.Errorf("state copy: unexpected argument %q", fs.Arg(0))
	case *from == "" || *to == "":
		return fmt.Errorf("state copy: --from and --to are required")
	}
	src, err := statecopy.Open(ctx, *from, false)
	if err != nil {
		return fmt.Errorf("state copy: from: %s", depc.ErrorMessage(err))
	}
	defer src.Close()
	dst, err := statecopy.Open(ctx, *to, true)
	if err != nil {
		return fmt.Errorf("state copy: to: %s", depc.ErrorMessage(err))
	}
	defer dst.Close()
	fmt.Fprintf(stdout, "state copy: from %s to %s\n", src, dst)
	t0 := time.Now()
	var rows int64
	_, err = statecopy.Copy(ctx, src, dst, statecopy.Options{Force: *force, Progress: func(r statecopy.TableReport) {
		rows += r.Rows
		fmt.Fprintf(stdout, "  %-15s %10d rows  checksum %s  ok\n", r.Table, r.Rows, r.Checksum)
	}})
	if err != nil {
		return fmt.Errorf("state copy: %s", depc.ErrorMessage(err))
	}
	fmt.Fprintf(stdout, "state copy: %d rows copied and verified in %s. The source's secrets are copied sealed: give the target's processes the same secret key (the key file of the source's data directory, or DEPC_SECRET_KEY).\n",
		rows, time.Since(t0).Round(time.Millisecond))
	return nil
}
