package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/state/sealed"
)

func init() {
	commands["secrets"] = command{summary: "source secrets at rest: `depc secrets rotate` seals them again under a new key",
		run: func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
			return runSubcommand(ctx, "secrets", args, stdout, stderr)
		}}
	secretsCommands["rotate"] = command{summary: "seal every source secret again under a new key (a new key file, or the first key of DEPC_SECRET_KEY)", run: secretsRotate}
}

// secretsCommands are the subcommands of `depc secrets`.
var secretsCommands = map[string]command{}

// keyFile is where the key of the source secrets lives when secret_key is
// not set.
func keyFile(cfg Config) string { return filepath.Join(cfg.DataDir, sealed.KeyFileName) }

// secretKeys returns the keyring that seals the source secrets: the keys
// of secret_key (DEPC_SECRET_KEY), or the key file of the data directory,
// created with a new key and mode 0600 the first time.
func secretKeys(cfg Config, log *slog.Logger) (*sealed.Keyring, error) {
	if cfg.SecretKey != "" {
		return sealed.ParseKeys("secret_key", cfg.SecretKey)
	}
	kr, created, err := sealed.OpenKeyFile(keyFile(cfg))
	if err != nil {
		return nil, fmt.Errorf("secret key: %w", err)
	}
	if created {
		log.Info("created the key of the source secrets; keep it with the data, and give the same key to every process sharing the state store (DEPC_SECRET_KEY)", "file", keyFile(cfg))
	}
	return kr, nil
}

// resealAtStart seals the source secrets stored in clear (from before
// encryption) and checks that the keyring opens every stored secret: a
// server whose key is not the one of its data stops here, with the reason,
// rather than fail on every source later.
func resealAtStart(ctx context.Context, st *stores, log *slog.Logger) error {
	rep, err := st.sealed.Reseal(ctx, false)
	if err != nil {
		return fmt.Errorf("source secrets: %w", err)
	}
	if rep.Resealed+rep.ReceiversResealed > 0 {
		log.Info("sealed the secrets stored in clear", "sources", rep.Resealed, "alert_receivers", rep.ReceiversResealed, "secrets", rep.Plain)
	}
	return nil
}

// secretsRotate seals every source secret again. With a key file, it
// writes a new key first in the file (the old one still opens), seals
// everything with it, then removes the old key. With DEPC_SECRET_KEY, the
// operator puts the new key first ("new,old"); it seals everything with
// it, after which the old key may be dropped.
func secretsRotate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("secrets rotate", "secrets rotate [flags]")
	var f serveFlags
	fs.StringVar(&f.config, "config", os.Getenv("DEPC_CONFIG"), "YAML configuration file (env DEPC_CONFIG)")
	fs.StringVar(&f.data, "data", "", "data directory (overrides data_dir)")
	if err := parseFlags(fs, args, stdout, stderr); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("secrets rotate: unexpected argument %q", fs.Arg(0))
	}
	cfg, err := loadConfigWithFlags(f)
	if err != nil {
		return err
	}
	log := newLogger(stderr, cfg.LogLevel)
	st, err := openStores(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer st.Close()
	keys := st.sealed.Keys()
	old := keys.Texts()
	fromFile := cfg.SecretKey == ""
	if fromFile {
		// The new key first, the old ones still there: a failure half way
		// leaves every secret readable, and running rotate again finishes.
		if err := sealed.WriteKeyFile(keyFile(cfg), append([]string{sealed.NewKey()}, old...)...); err != nil {
			return fmt.Errorf("secrets rotate: %w", err)
		}
	}
	rep, err := st.sealed.Reseal(ctx, true)
	if err != nil {
		return fmt.Errorf("secrets rotate: %w", err)
	}
	current := keys.Current()
	fmt.Fprintf(stdout, "depc: %d sources, %d sealed again with key %s; %d alert receivers, %d sealed again (%d secrets were in clear)\n",
		rep.Sources, rep.Resealed, current, rep.Receivers, rep.ReceiversResealed, rep.Plain)
	if fromFile {
		if err := sealed.WriteKeyFile(keyFile(cfg), keys.Texts()[0]); err != nil {
			return fmt.Errorf("secrets rotate: removing the old key: %w", err)
		}
		fmt.Fprintf(stdout, "depc: %s holds the new key only; running servers read it at their next use of a secret\n", keyFile(cfg))
		return nil
	}
	if len(old) > 1 {
		fmt.Fprintln(stdout, "depc: DEPC_SECRET_KEY may now hold the first key only")
	} else {
		fmt.Fprintf(stdout, "depc: to rotate, put a new key first: DEPC_SECRET_KEY=%s,<the current key>\n", sealed.NewKey())
	}
	return nil
}

// checkSecretKey is the config check of secret_key.
func checkSecretKey(key string) error {
	if strings.TrimSpace(key) == "" {
		return nil
	}
	if _, err := sealed.ParseKeys("secret_key", key); err != nil {
		return errors.New(depc.ErrorMessage(err))
	}
	return nil
}
