package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/passhash"
)

func init() {
	commands["admin-token"] = command{summary: "replace the admin token with a new one and print it (the old one stops working)", run: adminTokenCommand}
}

// adminTokenCommand replaces the admin token generated at a first start
// (or set earlier) by a new one, printed once. Servers sharing the state
// store take it within their authentication cache's life (seconds).
func adminTokenCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("admin-token", "admin-token [flags]")
	var f serveFlags
	fs.StringVar(&f.config, "config", os.Getenv("DEPC_CONFIG"), "YAML configuration file (env DEPC_CONFIG)")
	fs.StringVar(&f.data, "data", "", "data directory (overrides data_dir)")
	if err := parseFlags(fs, args, stdout, stderr); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("admin-token: unexpected argument %q", fs.Arg(0))
	}
	cfg, err := loadConfigWithFlags(f)
	if err != nil {
		return err
	}
	if cfg.AdminToken != "" {
		return errors.New("admin-token: admin_token is set in the configuration (DEPC_ADMIN_TOKEN), which the next start would put back: change it there")
	}
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return fmt.Errorf("data_dir: %w", err)
	}
	st, err := openState(ctx, cfg)
	if err != nil {
		return fmt.Errorf("state store: %w", err)
	}
	defer st.Close()
	token := depc.NewToken()
	if err := st.SetAdminTokenHash(ctx, passhash.Hash(token)); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "depc: new admin token (shown once, stored hashed): %s\n", token)
	return nil
}
