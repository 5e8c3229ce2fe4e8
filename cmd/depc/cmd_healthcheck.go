package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"
)

func init() {
	commands["healthcheck"] = command{summary: "probe the depc process of this configuration: exit 0 when its /healthz (or /readyz) answers 200, for container health checks",
		run: healthcheckCommand}
}

// healthcheckCommand GETs /healthz (or /readyz) of the process listening on
// the configuration's addr. Container images without a shell or an HTTP
// client (distroless) run it as their HEALTHCHECK: the binary probes
// itself, with the same configuration as the process it checks.
func healthcheckCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("healthcheck", "healthcheck [flags]")
	config := fs.String("config", os.Getenv("DEPC_CONFIG"), "YAML configuration file (env DEPC_CONFIG), for addr")
	addr := fs.String("addr", "", "address of the process to probe (default: addr of the configuration)")
	ready := fs.Bool("ready", false, "probe /readyz (the stores answer) instead of /healthz (the process answers)")
	timeout := fs.Duration("timeout", 5*time.Second, "how long to wait for the answer")
	if err := parseFlags(fs, args, stdout, stderr); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("healthcheck: unexpected argument %q", fs.Arg(0))
	}
	if *addr == "" {
		cfg, err := LoadConfig(*config, os.Environ())
		if err != nil {
			return err
		}
		*addr = cfg.Addr
	}
	path := "/healthz"
	if *ready {
		path = "/readyz"
	}
	url, err := probeURL(*addr, path)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	defer res.Body.Close()
	// The body says what is wrong (the store that does not answer); Docker
	// keeps the output of the last checks.
	body, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: %s: %s %s", url, res.Status, strings.TrimSpace(string(body)))
	}
	fmt.Fprintf(stdout, "%s: %s\n", url, strings.TrimSpace(string(body)))
	return nil
}

// probeURL is the URL of path on the process listening on addr: an
// unspecified host (":8080", "0.0.0.0:8080", "[::]:8080") is reached on the
// loopback address, since the check runs next to the process.
func probeURL(addr, path string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("addr %q: %v", addr, err)
	}
	switch host {
	case "", "0.0.0.0":
		host = "127.0.0.1"
	case "::":
		host = "::1"
	}
	return "http://" + net.JoinHostPort(host, port) + path, nil
}
