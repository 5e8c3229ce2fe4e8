package incident

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/depc-dev/depc/compute"
)

// Bounds of the Markdown, so that a long incident stays a document people
// read; the JSON has everything.
const (
	mdCauses    = 20
	mdPaths     = 10
	mdReasons   = 50
	mdEvidence  = 10 // leaves with evidence
	mdDatapoint = 10 // datapoints per check
)

// Markdown renders the report as a Markdown document to paste into a
// postmortem: facts first, then the summary, the causes ranked with their
// seconds and shares, the causal paths, the node's KO stretches, the
// evidence of each leaf and the team's notes. Times are in the team's
// time zone; names and notes are escaped so that they cannot break the
// document's structure.
func (r Report) Markdown() string {
	loc, err := time.LoadLocation(r.Timezone)
	if err != nil {
		loc = time.UTC
	}
	at := func(t int64) string { return time.Unix(t, 0).In(loc).Format("2006-01-02 15:04:05") }
	node := func(n compute.NodeRef) string { return esc(n.Label) + " " + esc(n.Name) }
	span := r.Window.To - r.Window.From
	share := func(s float64) string { return percent(s, r.Lost) }

	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("# Incident review: %s\n\n", node(r.Node))
	p("| | |\n|---|---|\n")
	p("| Team | %s |\n", esc(r.Team))
	p("| Node | %s |\n", node(r.Node))
	p("| Window | %s → %s (%s), %s |\n", at(r.Window.From), at(r.Window.To), esc(r.Timezone), compute.Duration(span))
	p("| QoS over the window | %s |\n", qosText(r.QoS))
	if r.KO != nil {
		p("| KO | %s (%s of the window) |\n", compute.Duration(*r.KO), percent(float64(*r.KO), float64(span)))
		p("| Unknown | %s |\n", compute.Duration(deref(r.Unknown)))
	} else {
		p("| Lost | %s of its children's time, weighted (an aggregation has no timeline) |\n", compute.Duration(round(r.Lost)))
	}
	if r.Link != "" {
		p("| Link | <%s> |\n", strings.NewReplacer(">", "%3E", " ", "%20").Replace(r.Link))
	}
	p("| Generated | %s by depc |\n\n", at(r.GeneratedAt))

	p("## Summary\n\n%s\n\n", esc(r.Summary))

	p("## Causes\n\n")
	if len(r.Causes) == 0 {
		p("No leaf is blamed for the lost time.\n\n")
	} else {
		p("The leaves of the dependency graph blamed for the lost time (%s), largest share first.\n\n", compute.Duration(round(r.Lost)))
		p("| # | Leaf | Blamed for | Share of the lost time | Its QoS |\n|---:|---|---:|---:|---:|\n")
		for i, c := range r.Causes[:min(len(r.Causes), mdCauses)] {
			p("| %d | %s | %s | %s | %s |\n", i+1, node(c.NodeRef), compute.Duration(c.Seconds), share(c.Share), qosText(c.QoS))
		}
		if n := len(r.Causes) - mdCauses; n > 0 {
			p("\n… and %d more leaves (in the JSON export).\n", n)
		}
		p("\n")
	}
	if len(r.Unexplained) > 0 {
		p("### Not explained by any child\n\n")
		for _, u := range r.Unexplained {
			p("- **%s** was KO on structure for %s: %s (%s of the lost time).\n", node(u.Node), compute.Duration(u.Seconds), esc(u.Reason), share(u.Share))
		}
		p("\n")
	}

	if len(r.Paths) > 0 {
		p("## Causal paths\n\nFrom the node down to the leaves, through the dependencies that were KO at the same moments.\n\n")
		for i, path := range r.Paths[:min(len(r.Paths), mdPaths)] {
			steps := make([]string, len(path.Steps))
			for j, s := range path.Steps {
				steps[j] = node(s.NodeRef)
				if j > 0 && s.Seconds != nil {
					steps[j] += " (" + compute.Duration(*s.Seconds) + ")"
				}
			}
			p("%d. %s — **%s** (%s)\n", i+1, strings.Join(steps, " → "), compute.Duration(round(path.Share)), share(path.Share))
		}
		p("\n")
	}

	p("## Timeline\n\nTimes in %s.\n\n", esc(r.Timezone))
	switch {
	case r.KO == nil:
		p("%s is an aggregation: it has a QoS, not a timeline.\n\n", node(r.Node))
	case len(r.Reasons) == 0:
		p("%s was never KO in the window.\n\n", node(r.Node))
	default:
		p("| From | To | Duration | OK of the children taking part | Needed | Why |\n|---|---|---:|---:|---:|---|\n")
		for _, re := range r.Reasons[:min(len(r.Reasons), mdReasons)] {
			why := "KO children"
			if re.Structural {
				why = fmt.Sprintf("structure: %d of %d needed took part", re.Part, re.Needed)
			}
			p("| %s | %s | %s | %d of %d | %d | %s |\n", at(re.From), at(re.To), compute.Duration(re.To-re.From), re.OK, re.Part, re.Needed, why)
		}
		if n := len(r.Reasons) - mdReasons; n > 0 {
			p("\n… and %d more KO stretches (in the JSON export).\n", n)
		}
		p("\n")
	}

	evidence := 0
	for _, c := range r.Causes {
		for _, ch := range c.Checks {
			if len(ch.Evidence) > 0 {
				evidence++
				break
			}
		}
	}
	if evidence > 0 {
		p("## Evidence\n\nThe KO datapoints behind each leaf's share: their state held during its blamed time.\n\n")
		shown := 0
		for _, c := range r.Causes {
			if shown == mdEvidence {
				break
			}
			var checks []compute.CheckBlame
			for _, ch := range c.Checks {
				if ch.KO > 0 {
					checks = append(checks, ch)
				}
			}
			if len(checks) == 0 {
				continue
			}
			shown++
			p("### %s — %s (%s)\n\n", node(c.NodeRef), compute.Duration(c.Seconds), share(c.Share))
			for _, ch := range checks {
				p("- Check **%s** (%s %s): KO %s, blamed for %s; %d KO datapoint%s.\n", esc(ch.Name), esc(ch.Type), esc(ch.Threshold),
					compute.Duration(ch.KO), compute.Duration(round(ch.Share)), ch.EvidenceTotal, plural(ch.EvidenceTotal))
				if len(ch.Evidence) == 0 {
					continue
				}
				p("\n  | Series | At | Value | Held |\n  |---|---|---:|---|\n")
				for _, e := range ch.Evidence[:min(len(ch.Evidence), mdDatapoint)] {
					p("  | %s | %s | %s | %s → %s |\n", esc(e.Series), at(e.At), valueText(e.Value), at(e.From), at(e.To))
				}
				if n := ch.EvidenceTotal - min(len(ch.Evidence), mdDatapoint); n > 0 {
					p("\n  … and %d more.\n", n)
				}
				p("\n")
			}
			p("\n")
		}
	}

	p("## Notes\n\n")
	if len(r.Annotations) == 0 {
		p("No note of the team on these nodes in the window.\n\n")
	}
	for _, a := range r.Annotations {
		what := esc(a.Label) + " (all)"
		if a.Name != "" {
			what = esc(a.Label) + " " + esc(a.Name)
		}
		by := esc(a.Author) + ", " + at(a.CreatedAt)
		if a.UpdatedBy != "" {
			by += "; changed by " + esc(a.UpdatedBy) + ", " + at(a.UpdatedAt)
		}
		p("- **%s → %s** · %s · %s\n\n", at(a.From), at(a.To), what, by)
		for _, line := range strings.Split(strings.ReplaceAll(a.Text, "\r\n", "\n"), "\n") {
			p("  > %s\n", escNote(line))
		}
		p("\n")
	}

	if len(r.Errors) > 0 {
		p("## Errors\n\nWhat could not be computed; the figures above leave it out.\n\n")
		for _, e := range r.Errors {
			where := ""
			if e.Label != "" {
				where = esc(e.Label) + " " + esc(e.Name) + ": "
			}
			p("- %s%s\n", where, esc(e.Error))
		}
		p("\n")
	}
	// Sections end with a blank line and so do tables: one is enough.
	out := strings.TrimRight(b.String(), "\n") + "\n"
	for strings.Contains(out, "\n\n\n") {
		out = strings.ReplaceAll(out, "\n\n\n", "\n\n")
	}
	return out
}

// esc escapes what Markdown would read as structure in a name or a
// sentence: emphasis, code, links, HTML, table cells, headings; a line
// break becomes a space.
func esc(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '\\', '`', '*', '_', '[', ']', '<', '>', '|', '#', '~':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '\n', '\r':
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// escNote keeps a note's own Markdown (links, emphasis: it was written for
// people) inside its quote, but no HTML: a renderer of the postmortem must
// not run what a note holds.
func escNote(s string) string {
	return strings.NewReplacer("<", "&lt;", ">", "&gt;").Replace(s)
}

func qosText(q *float64) string {
	if q == nil {
		return "unknown"
	}
	return strconv.FormatFloat(*q, 'f', -1, 64) + " %"
}

func valueText(v *float64) string {
	if v == nil {
		return "null"
	}
	return strconv.FormatFloat(*v, 'g', -1, 64)
}

func percent(part, whole float64) string {
	if whole <= 0 {
		return "0 %"
	}
	return strconv.FormatFloat(100*part/whole, 'f', 1, 64) + " %"
}

func round(s float64) int64 { return int64(math.Round(s)) }

func deref(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
