package compute

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/qos"
	"github.com/depc-dev/depc/qos/expr"
)

// summary says an explanation in one sentence, as an incident reviewer
// would write it: "KO all day because 7 of 8 required websites were
// active", "KO 3 min because of KO apaches: apache1 (2 min), …".
func summary(x *Explanation, ex expr.Expr, w depc.Window) string {
	if x.Loss != nil || ex.Kind.IsAggregation() {
		return aggregationSummary(x)
	}
	if x.KO == nil || *x.KO == 0 {
		if x.QoS == nil {
			return "no QoS: nothing was known in the window"
		}
		return "never KO in the window"
	}
	ko := *x.KO
	// A day's window (86 400 s, or 82 800 and 90 000 on DST days) reads
	// as a day.
	span := "window"
	if l := w.Len(); l%3600 == 0 && l >= 82800 && l <= 90000 {
		span = "day"
	}
	head := "KO " + duration(ko) + " (" + percent(ko, w.Len()) + " of the " + span + ")"
	if ko == w.Len() {
		head = "KO the whole window"
		if span == "day" {
			head = "KO all day"
		}
	}
	noun := childrenNoun(ex)
	blamed := ""
	switch {
	case ex.Kind == expr.Rule:
		var parts []string
		for _, c := range x.Checks {
			if s := int64(math.Round(c.Share)); s > 0 && len(parts) < 3 {
				parts = append(parts, strconv.Quote(c.Name)+" ("+duration(s)+")")
			}
		}
		blamed = "because of KO checks: " + strings.Join(parts, ", ")
	default:
		var parts []string
		for _, c := range x.Children {
			if s := int64(math.Round(c.Share)); s > 0 && len(parts) < 3 {
				parts = append(parts, c.Name+" ("+duration(s)+")")
			}
		}
		if len(parts) > 0 {
			blamed = "because of KO " + noun + ": " + strings.Join(parts, ", ")
		}
	}
	structural := ""
	if x.Structural > 0 {
		var rs []qos.Reason
		for _, r := range x.Reasons {
			rs = append(rs, qos.Reason{From: r.From, To: r.To, Active: r.Active, Part: r.Part, OK: r.OK, Needed: r.Needed})
		}
		structural = structuralReason(ex, rs)
	}
	switch {
	case x.Structural == ko:
		return head + " because " + structural
	case x.Structural > 0:
		return head + ": " + duration(x.Structural) + " because " + structural + ", " + duration(ko-x.Structural) + " " + blamed
	case blamed != "":
		return head + " " + blamed
	}
	return head
}

// aggregationSummary: "QoS 97.500, 2.500 points lost: customer-059 (2.000
// points, 7 200 s lost), …".
func aggregationSummary(x *Explanation) string {
	if x.QoS == nil {
		return "no QoS: no child had one in the window"
	}
	if x.Loss == nil || *x.Loss <= 0 {
		return "QoS " + qos.Format(*x.QoS, qos.DefaultDecimals) + ": nothing lost"
	}
	var parts []string
	for _, c := range x.Children {
		if c.Loss != nil && *c.Loss > 0 && len(parts) < 3 {
			p := c.Name + " (" + qos.Format(*c.Loss, qos.DefaultDecimals) + " points"
			if c.KO != nil {
				p += ", KO " + duration(*c.KO)
			}
			parts = append(parts, p+")")
		}
	}
	return "QoS " + qos.Format(*x.QoS, qos.DefaultDecimals) + ", " + qos.Format(*x.Loss, qos.DefaultDecimals) +
		" points lost, most by " + strings.Join(parts, ", ")
}

// structuralReason says why a node was KO on structure, from the counts of
// its structural reasons that last longest: "7 of 8 required websites
// were active", or, when enough were active but some had no data, "7 of 8
// required websites took part (9 active, the others without data)".
func structuralReason(ex expr.Expr, rs []qos.Reason) string {
	type counts struct{ active, part, needed int }
	secs := map[counts]int64{}
	for _, r := range rs {
		if r.Structural() {
			secs[counts{r.Active, r.Part, r.Needed}] += r.To - r.From
		}
	}
	if len(secs) == 0 {
		return "fewer children took part than needed"
	}
	keys := slices.SortedFunc(maps.Keys(secs), func(a, b counts) int {
		return cmp.Or(cmp.Compare(secs[b], secs[a]), cmp.Compare(a.active, b.active), cmp.Compare(a.part, b.part))
	})
	k := keys[0]
	noun := childrenNoun(ex)
	var s string
	if k.active < k.needed {
		s = fmt.Sprintf("%d of %d required %s were active", k.active, k.needed, noun)
	} else {
		s = fmt.Sprintf("%d of %d required %s took part (%d active, the others without data)", k.part, k.needed, noun, k.active)
	}
	if len(keys) > 1 {
		s += " (most of the time)"
	}
	return s
}

// childrenNoun names an operation's children: the plural of its one
// label in lower case ("websites"), else "children".
func childrenNoun(ex expr.Expr) string {
	if ex.Kind == expr.Rule {
		return "checks"
	}
	if len(ex.Labels) != 1 {
		return "children"
	}
	return plural(strings.ToLower(ex.Labels[0]))
}

// plural is English's regular plural: enough for label names.
func plural(s string) string {
	switch {
	case strings.HasSuffix(s, "s"), strings.HasSuffix(s, "x"), strings.HasSuffix(s, "ch"), strings.HasSuffix(s, "sh"):
		return s + "es"
	case len(s) > 1 && s[len(s)-1] == 'y' && !strings.ContainsRune("aeiou", rune(s[len(s)-2])):
		return s[:len(s)-1] + "ies"
	}
	return s + "s"
}

// Duration writes seconds as summaries do, as people read them: "45 s",
// "36 min", "1 h 5 min", "2 d 3 h".
func Duration(s int64) string { return duration(s) }

func duration(s int64) string {
	switch {
	case s < 60:
		return fmt.Sprintf("%d s", s)
	case s < 3600:
		if s%60 != 0 {
			return fmt.Sprintf("%d min %d s", s/60, s%60)
		}
		return fmt.Sprintf("%d min", s/60)
	case s < 86400:
		if m := s % 3600 / 60; m != 0 {
			return fmt.Sprintf("%d h %d min", s/3600, m)
		}
		return fmt.Sprintf("%d h", s/3600)
	}
	if h := s % 86400 / 3600; h != 0 {
		return fmt.Sprintf("%d d %d h", s/86400, h)
	}
	return fmt.Sprintf("%d d", s/86400)
}

// percent writes part/whole as "2.5 %".
func percent(part, whole int64) string {
	if whole <= 0 {
		return "0 %"
	}
	return strconv.FormatFloat(100*float64(part)/float64(whole), 'f', 1, 64) + " %"
}
