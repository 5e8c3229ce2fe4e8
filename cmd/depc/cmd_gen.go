package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/qos"
	"github.com/depc-dev/depc/workload"
)

func init() {
	commands["gen"] = command{summary: "generate a workload (tiny … bench-1m): messages, config, rules, Fake checks; --load applies it", run: genCommand}
}

// genBatch is how many events one Apply of --load writes.
const genBatch = 10000

func genCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("gen", "gen [--size S] (--out DIR | --load) [flags]")
	var names []string
	for _, s := range workload.Sizes() {
		names = append(names, s.Name)
	}
	var (
		f    serveFlags
		size = fs.String("size", "tiny", "the workload: "+strings.Join(names, ", "))
		team = fs.String("team", "bench", "the team's name")
		out  = fs.String("out", "", "write the workload's files into this directory")
		load = fs.Bool("load", false, "apply the workload to the stores of the data directory (or the configured ones)")
	)
	fs.StringVar(&f.config, "config", os.Getenv("DEPC_CONFIG"), "YAML configuration file (env DEPC_CONFIG), for --load")
	fs.StringVar(&f.data, "data", "", "data directory (overrides data_dir), for --load")
	if err := parseFlags(fs, args, stdout, stderr); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("gen: unexpected argument %q", fs.Arg(0))
	}
	if *out == "" && !*load {
		return fmt.Errorf("gen: give --out DIR, --load, or both")
	}
	sz, err := workload.Lookup(*size)
	if err != nil {
		return fmt.Errorf("gen: %s", depc.ErrorMessage(err))
	}
	b, err := newBenchTeam(sz, *team)
	if err != nil {
		return err
	}
	if *out != "" {
		t0 := time.Now()
		n, err := b.write(*out)
		if err != nil {
			return fmt.Errorf("gen: %w", err)
		}
		fmt.Fprintf(stdout, "gen: %s: %d messages and the team's setup written to %s in %s\n", sz.Name, n, *out, time.Since(t0).Round(time.Millisecond))
	}
	if *load {
		cfg, err := loadConfigWithFlags(f)
		if err != nil {
			return err
		}
		st, err := openStores(ctx, cfg, newLogger(stderr, cfg.LogLevel))
		if err != nil {
			return err
		}
		defer st.Close()
		t0 := time.Now()
		n, err := b.load(ctx, st)
		if err != nil {
			return fmt.Errorf("gen: load: %w", err)
		}
		fmt.Fprintf(stdout, "gen: %s: team %s set up and %d events applied in %s\n", sz.Name, b.team.Name, n, time.Since(t0).Round(time.Millisecond))
	}
	return nil
}

// benchTeam is everything a team needs to compute a workload: its graph
// (the workload's events) and its setup, with the Fake source for every
// rule label.
type benchTeam struct {
	size    workload.Size
	team    depc.Team
	source  depc.SourceConfig
	checks  []depc.Check
	rules   []depc.Rule
	config  json.RawMessage
	ruleSet []string
}

// fakeSource is the workload team's one source.
const fakeSource = "fake"

// newBenchTeam derives the setup of a workload: each rule.X of its config
// gets a rule X of two Fake checks, "X ping" (Threshold 20) and "X http"
// (Interval 200:299).
func newBenchTeam(sz workload.Size, team string) (*benchTeam, error) {
	if err := depc.CheckTeam("team", team); err != nil {
		return nil, fmt.Errorf("gen: %s", depc.ErrorMessage(err))
	}
	b := &benchTeam{size: sz, team: depc.Team{Name: team, Timezone: "UTC"},
		source: depc.SourceConfig{Name: fakeSource, Plugin: depc.PluginFake, Configuration: json.RawMessage("{}")}}
	doc := map[string]map[string]string{}
	for _, label := range sz.LabelNames() {
		expr := sz.Config()[label]
		doc[label] = map[string]string{"qos": expr}
		rule, ok := strings.CutPrefix(expr, "rule.")
		if !ok || slices.Contains(b.ruleSet, rule) {
			continue
		}
		b.ruleSet = append(b.ruleSet, rule)
		ping := depc.Check{Name: rule + " ping", Source: fakeSource, Type: depc.CheckThreshold,
			Parameters: depc.CheckParameters{Query: "depc.tutorial.ping", Threshold: "20"}}
		http := depc.Check{Name: rule + " http", Source: fakeSource, Type: depc.CheckInterval,
			Parameters: depc.CheckParameters{Query: "depc.tutorial.httpstatus", Threshold: "200:299"}}
		b.checks = append(b.checks, ping, http)
		b.rules = append(b.rules, depc.Rule{Name: rule, Checks: []string{ping.Name, http.Name}})
	}
	var err error
	if b.config, err = json.Marshal(doc); err != nil {
		return nil, err
	}
	cfg, err := qos.DecodeConfig(b.config)
	if err == nil {
		err = cfg.Validate(func(r string) bool { return slices.Contains(b.ruleSet, r) })
	}
	if err != nil {
		return nil, fmt.Errorf("gen: %s config: %w", sz.Name, err)
	}
	slices.Sort(b.ruleSet)
	return b, nil
}

// write writes the workload into dir: messages.ndjson (one message per
// event, spec/messages.md), team.json, sources.json, checks.json,
// rules.json and config.json (the bodies of the API's POSTs and PUT). It
// returns the number of messages.
func (b *benchTeam) write(dir string) (int, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, err
	}
	for name, v := range map[string]any{
		"team.json": b.team, "sources.json": []depc.SourceConfig{b.source}, "checks.json": b.checks,
		"rules.json": b.rules, "config.json": b.config,
	} {
		data, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return 0, err
		}
		if err := os.WriteFile(filepath.Join(dir, name), append(data, '\n'), 0o644); err != nil {
			return 0, err
		}
	}
	f, err := os.Create(filepath.Join(dir, "messages.ndjson"))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	n := 0
	var line []byte
	err = b.size.Generate(genBatch, func(events []depc.Event) error {
		for _, e := range events {
			line = appendMessage(line[:0], e)
			if _, err := w.Write(line); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return n, err
	}
	if err := w.Flush(); err != nil {
		return n, err
	}
	return n, f.Close()
}

// appendMessage appends the nested message (spec/messages.md §1) of an
// event and a newline. Labels and names need no JSON escaping: their
// patterns exclude quotes, backslashes and control characters.
func appendMessage(b []byte, e depc.Event) []byte {
	node := func(b []byte, k depc.NodeKey) []byte {
		b = append(b, `{"label":"`...)
		b = append(b, k.Label...)
		b = append(b, `","name":"`...)
		b = append(b, k.Name...)
		return append(b, '"')
	}
	period := func(b []byte) []byte {
		b = append(b, '{')
		switch e.Kind {
		case depc.EventSpan:
			b = append(b, `"from":`...)
			b = strconv.AppendInt(b, e.From, 10)
			b = append(b, `,"to":`...)
			b = strconv.AppendInt(b, e.To, 10)
		case depc.EventOpen:
			b = append(b, `"from":`...)
			b = strconv.AppendInt(b, e.From, 10)
		case depc.EventClose:
			b = append(b, `"to":`...)
			b = strconv.AppendInt(b, e.To, 10)
		}
		return append(b, '}')
	}
	b = append(b, `{"source":`...)
	b = node(b, e.Node)
	if !e.IsRelation() {
		if e.Kind != depc.EventExists {
			b = append(b, `,"props":`...)
			b = period(b)
		}
		return append(b, "}}\n"...)
	}
	b = append(b, `},"target":`...)
	b = node(b, e.Target)
	b = append(b, '}')
	if e.Kind != depc.EventExists {
		b = append(b, `,"rel":`...)
		b = period(b)
	}
	return append(b, "}\n"...)
}

// load creates the team and its setup in the state store (or updates what
// exists, so that loading twice is harmless) and applies the graph in
// batches. It returns the number of events applied.
func (b *benchTeam) load(ctx context.Context, st *stores) (int, error) {
	taken := func(err error) bool { return depc.ErrorCode(err) == depc.ECONFLICT }
	if _, err := st.state.CreateTeam(ctx, b.team); err != nil && !taken(err) {
		return 0, err
	}
	if _, err := st.state.CreateSource(ctx, b.team.Name, b.source); taken(err) {
		_, err = st.state.UpdateSource(ctx, b.team.Name, b.source)
		if err != nil {
			return 0, err
		}
	} else if err != nil {
		return 0, err
	}
	for _, c := range b.checks {
		if _, err := st.state.CreateCheck(ctx, b.team.Name, c); taken(err) {
			if _, err := st.state.UpdateCheck(ctx, b.team.Name, c); err != nil {
				return 0, err
			}
		} else if err != nil {
			return 0, err
		}
	}
	for _, r := range b.rules {
		if _, err := st.state.CreateRule(ctx, b.team.Name, r); taken(err) {
			if _, err := st.state.UpdateRule(ctx, b.team.Name, r); err != nil {
				return 0, err
			}
		} else if err != nil {
			return 0, err
		}
	}
	if cur, err := st.state.Config(ctx, b.team.Name); err != nil || !sameConfig(cur.Config, b.config) {
		if err != nil && depc.ErrorCode(err) != depc.ENOTFOUND {
			return 0, err
		}
		if _, err := st.state.SaveConfig(ctx, b.team.Name, b.config, b.ruleSet); err != nil {
			return 0, err
		}
	}
	n := 0
	err := b.size.Generate(genBatch, func(events []depc.Event) error {
		if err := st.graph.Apply(ctx, b.team.Name, events); err != nil {
			return err
		}
		n += len(events)
		return nil
	})
	return n, err
}

func sameConfig(a, b json.RawMessage) bool {
	ca, err := qos.DecodeConfig(a)
	if err != nil {
		return false
	}
	cb, err := qos.DecodeConfig(b)
	return err == nil && ca.Equal(cb)
}
