package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/depc-dev/depc/consumer"
)

func init() {
	commands["dlq"] = command{summary: "dead-letter topics: `depc dlq replay --topic T` re-publishes T.dlq to T",
		run: func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
			return runSubcommand(ctx, "dlq", args, stdout, stderr)
		}}
	dlqCommands["replay"] = command{summary: "re-publish the records of a team topic's dead-letter topic (<topic>.dlq) to the topic", run: dlqReplay}
}

// dlqCommands are the subcommands of `depc dlq`.
var dlqCommands = map[string]command{}

// dlqReplay re-publishes the records of a team topic's dead-letter topic
// to the topic, once the cause of their rejection is fixed (a team that
// did not exist yet, a producer bug worked around by a new depc): they are
// decoded again by the consumer like any record.
func dlqReplay(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("dlq replay", "dlq replay --topic <prefix>.<team> [flags]")
	topic := fs.String("topic", "", "the team topic whose dead-letter topic (<topic>.dlq) is replayed")
	config := fs.String("config", os.Getenv("DEPC_CONFIG"), "YAML configuration file (env DEPC_CONFIG)")
	brokers := fs.String("brokers", "", "bootstrap brokers (overrides kafka.brokers)")
	if err := parseFlags(fs, args, stdout, stderr); err != nil {
		return err
	}
	if *topic == "" {
		return errors.New("dlq replay: --topic is required (the team topic, e.g. depc.acme, or its .dlq)")
	}
	cfg, err := LoadConfig(*config, os.Environ())
	if err != nil {
		return err
	}
	list := cfg.Kafka.Brokers
	if *brokers != "" {
		list = strings.Split(*brokers, ",")
	}
	if len(list) == 0 {
		return errors.New("dlq replay: no brokers (kafka.brokers, DEPC_KAFKA_BROKERS or --brokers)")
	}
	n, err := consumer.Replay(ctx, consumerConfig(cfg, list), *topic, newLogger(stderr, cfg.LogLevel))
	if err != nil {
		return err
	}
	team := strings.TrimSuffix(*topic, ".dlq")
	fmt.Fprintf(stdout, "depc: %d records of %s.dlq re-published to %s\n", n, team, team)
	return nil
}
