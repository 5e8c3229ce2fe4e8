package budget_test

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/depc-dev/depc/qos"
	"github.com/depc-dev/depc/qos/budget"
)

// The scripted cases in testdata/*.txt. One directive a line; '#' starts a
// comment line:
//
//	case <name>
//	target <percent>
//	window <start> <end|+len>
//	now <t>
//	sample <day> <start> <end|+len> ok <s> ko <s> [unknown <s>] [down <a..b,...>]
//	expect <key> <value> [<key> <value>]...
//	error <text>                  Compute fails with an error containing text
//
// Times and seconds are sums of terms with an optional unit: "29d+12h",
// "1d-1h", "600". Keys of expect: measured, counted, pending, spent
// (integers); allowed, remaining, ratio, qos (3 decimals or "null");
// burn1h, burn6h, burn1d, burn3d (3 decimals or "null"); exhausted
// (yes/no); days (day=spent/remaining,...).
func TestScripts(t *testing.T) {
	files, err := filepath.Glob("testdata/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata/*.txt (%v)", err)
	}
	for _, f := range files {
		for _, c := range parseScript(t, f) {
			t.Run(filepath.Base(f)+"/"+c.name, c.run)
		}
	}
}

type scriptCase struct {
	name    string
	where   string
	in      budget.Input
	expects [][2]string
	err     string
}

func parseScript(t *testing.T, path string) []*scriptCase {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cases []*scriptCase
	var c *scriptCase
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		where := fmt.Sprintf("%s:%d", path, n)
		fail := func(format string, args ...any) {
			t.Fatalf("%s: %s", where, fmt.Sprintf(format, args...))
		}
		word, rest, _ := strings.Cut(line, " ")
		if word == "case" {
			c = &scriptCase{name: rest, where: where}
			cases = append(cases, c)
			continue
		}
		if c == nil {
			fail("%q before any case", word)
		}
		f := strings.Fields(rest)
		switch word {
		case "target":
			v, err := strconv.ParseFloat(rest, 64)
			if err != nil {
				fail("target: %v", err)
			}
			c.in.Target = v
		case "window":
			if len(f) != 2 {
				fail("window <start> <end|+len>")
			}
			c.in.Window = window(fail, f[0], f[1])
		case "now":
			c.in.Now = seconds(fail, rest)
		case "sample":
			if len(f) < 3 || len(f)%2 == 0 {
				fail("sample <day> <start> <end|+len> key value...")
			}
			s := budget.Sample{Day: f[0], Window: window(fail, f[1], f[2])}
			for i := 3; i < len(f); i += 2 {
				switch f[i] {
				case "ok":
					s.OK = seconds(fail, f[i+1])
				case "ko":
					s.KO = seconds(fail, f[i+1])
				case "unknown":
					s.Unknown = seconds(fail, f[i+1])
				case "down":
					for _, p := range strings.Split(f[i+1], ",") {
						a, b, ok := strings.Cut(p, "..")
						if !ok {
							fail("down: %q is not a..b", p)
						}
						s.Downtime = append(s.Downtime, qos.Period{From: seconds(fail, a), To: seconds(fail, b)})
					}
				default:
					fail("sample: unknown key %q", f[i])
				}
			}
			c.in.Samples = append(c.in.Samples, s)
		case "expect":
			if len(f)%2 != 0 {
				fail("expect <key> <value>...")
			}
			for i := 0; i < len(f); i += 2 {
				c.expects = append(c.expects, [2]string{f[i], f[i+1]})
			}
		case "error":
			c.err = rest
		default:
			fail("unknown directive %q", word)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return cases
}

// seconds reads a sum of terms such as "29d+12h" or "1d-1h".
func seconds(fail func(string, ...any), s string) int64 {
	var total int64
	rest := s
	for rest != "" {
		sign := int64(1)
		switch rest[0] {
		case '-':
			sign, rest = -1, rest[1:]
		case '+':
			rest = rest[1:]
		}
		end := strings.IndexAny(rest, "+-")
		if end < 0 {
			end = len(rest)
		}
		term := rest[:end]
		rest = rest[end:]
		unit := int64(1)
		if term != "" {
			switch term[len(term)-1] {
			case 'd':
				unit, term = 86400, term[:len(term)-1]
			case 'h':
				unit, term = 3600, term[:len(term)-1]
			case 'm':
				unit, term = 60, term[:len(term)-1]
			case 's':
				term = term[:len(term)-1]
			}
		}
		v, err := strconv.ParseInt(term, 10, 64)
		if err != nil {
			fail("%q is not a number of seconds", s)
		}
		total += sign * v * unit
	}
	return total
}

func window(fail func(string, ...any), start, end string) qos.Window {
	w := qos.Window{Start: seconds(fail, start)}
	if strings.HasPrefix(end, "+") {
		w.End = w.Start + seconds(fail, end[1:])
	} else {
		w.End = seconds(fail, end)
	}
	return w
}

func (c *scriptCase) run(t *testing.T) {
	b, err := budget.Compute(c.in)
	if c.err != "" {
		if err == nil || !strings.Contains(err.Error(), c.err) {
			t.Fatalf("%s: error %v, want one containing %q", c.where, err, c.err)
		}
		return
	}
	if err != nil {
		t.Fatalf("%s: %v", c.where, err)
	}
	burns := map[string]budget.Burn{}
	for i, n := range budget.LookbackNames {
		burns["burn"+n] = b.Burn[i]
	}
	for _, e := range c.expects {
		key, want := e[0], e[1]
		var got string
		switch key {
		case "measured":
			got = strconv.FormatInt(b.Measured, 10)
		case "counted":
			got = strconv.FormatInt(b.Counted, 10)
		case "pending":
			got = strconv.FormatInt(b.Pending, 10)
		case "spent":
			got = strconv.FormatInt(b.Spent, 10)
		case "allowed":
			got = qos.Format(b.Allowed, 3)
		case "remaining":
			got = qos.Format(b.Remaining, 3)
		case "ratio":
			got = "null"
			if r, ok := b.RemainingRatio(); ok {
				got = qos.Format(r, 3)
			}
		case "qos":
			got = b.QoS.Format(3)
		case "exhausted":
			got = map[bool]string{true: "yes", false: "no"}[b.Exhausted()]
		case "burn1h", "burn6h", "burn1d", "burn3d":
			got = "null"
			if br := burns[key]; br.Valid {
				got = qos.Format(br.Rate, 3)
			}
		case "days":
			parts := make([]string, len(b.Days))
			for i, d := range b.Days {
				parts[i] = fmt.Sprintf("%s=%d/%s", d.Day, d.Spent, qos.Format(d.Remaining, 3))
			}
			got = strings.Join(parts, ",")
		default:
			t.Fatalf("%s: unknown expectation %q", c.where, key)
		}
		if got != want {
			t.Errorf("%s: %s = %s, want %s", c.where, key, got, want)
		}
	}
}
