package compute

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/qos"
)

// MaxExecuteWindow bounds the window of ExecuteRule, in seconds (31 days):
// its answer carries every datapoint.
const MaxExecuteWindow = 31 * 86400

// Interval is a KO interval [From, To) as the API shows it.
type Interval struct {
	From int64 `json:"from"`
	To   int64 `json:"to"`
}

func intervals(ps []depc.Period) []Interval {
	out := make([]Interval, len(ps))
	for i, p := range ps {
		out[i] = Interval{p.From, p.To}
	}
	return out
}

// RuleExecution is the answer of POST /rules/{rule}/execute: the rule's
// timeline for one name over a window, and each check's.
type RuleExecution struct {
	// QoS is unrounded (Round rounds it), nil when nothing is known.
	QoS      *float64         `json:"qos"`
	OK       int64            `json:"ok"`
	KO       int64            `json:"ko"`
	Unknown  int64            `json:"unknown"`
	Downtime []Interval       `json:"downtime"`
	Checks   []CheckExecution `json:"checks"`
}

// CheckExecution is one check of a RuleExecution.
type CheckExecution struct {
	Name     string     `json:"name"`
	QoS      *float64   `json:"qos"`
	OK       int64      `json:"ok"`
	KO       int64      `json:"ko"`
	Unknown  int64      `json:"unknown"`
	Downtime []Interval `json:"downtime"`
	// Series is the number of series the source returned; 0 means no
	// data (the check is Unknown).
	Series int `json:"series"`
	// Error is the source's error, nil when there was none.
	Error *string `json:"error"`
	// Points are the datapoints of each series, to draw them (an addition
	// to api.md v1), with the check's Type and Threshold.
	Points    []SeriesPoints `json:"points"`
	Type      string         `json:"type"`
	Threshold string         `json:"threshold"`
	// Query is the query sent to the source: the check's, its variables
	// rendered ({{ depc.team.env }} …) for the rule over the window.
	Query string `json:"query"`
}

// SeriesPoints are the datapoints of one series. Name is the series'
// labels in PromQL form: metric{label="value", …}.
type SeriesPoints struct {
	Name   string  `json:"name,omitempty"`
	Values []Point `json:"values"`
}

// Point is a datapoint, written [t, v] (v null when it is not a finite
// number, which JSON cannot hold).
type Point qos.Point

// MarshalJSON writes [t, v].
func (p Point) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 32)
	b = append(b, '[')
	b = strconv.AppendInt(b, p.T, 10)
	b = append(b, ',')
	if math.IsNaN(p.V) || math.IsInf(p.V, 0) {
		b = append(b, "null"...)
	} else {
		b = strconv.AppendFloat(b, p.V, 'g', -1, 64)
	}
	return append(b, ']'), nil
}

// UnmarshalJSON reads [t, v]; null reads as NaN.
func (p *Point) UnmarshalJSON(data []byte) error {
	var raw []*float64
	if err := json.Unmarshal(data, &raw); err != nil || len(raw) != 2 || raw[0] == nil {
		return fmt.Errorf("point: want [t, v]")
	}
	p.T = int64(*raw[0])
	p.V = math.NaN()
	if raw[1] != nil {
		p.V = *raw[1]
	}
	return nil
}

// Round rounds every QoS of the answer to decimals (qos.Round).
func (r *RuleExecution) Round(decimals int) {
	r.QoS = roundPtr(r.QoS, decimals)
	for i := range r.Checks {
		r.Checks[i].QoS = roundPtr(r.Checks[i].QoS, decimals)
	}
}

func roundPtr(q *float64, decimals int) *float64 {
	if q == nil {
		return nil
	}
	v := qos.Round(*q, decimals)
	return &v
}

func qosPtr(q qos.QoS) *float64 {
	if !q.Valid {
		return nil
	}
	v := q.Value
	return &v
}

// ExecuteRule evaluates a rule for one node name over a window, without
// the graph and without storing anything (semantics §3, §4): each check's
// datapoints, timeline and QoS, and the rule's. A check that fails (no
// such source, the source's error) is Unknown and carries its error.
// ENOTFOUND for an unknown team or rule; EINVALID for a bad name or a
// window that is empty or longer than MaxExecuteWindow; EUNAVAILABLE when
// the state store cannot be reached or ctx ends.
func (c *Computer) ExecuteRule(ctx context.Context, team, rule, name string, w depc.Window) (RuleExecution, error) {
	if err := depc.CheckName("name", name); err != nil {
		return RuleExecution{}, err
	}
	switch {
	case w.End <= w.Start:
		return RuleExecution{}, depc.Errorf(depc.EINVALID, "end: %d is not after start %d", w.End, w.Start)
	case w.End-w.Start > MaxExecuteWindow || w.End-w.Start < 0:
		return RuleExecution{}, depc.Errorf(depc.EINVALID, "end: the window is longer than %d days", MaxExecuteWindow/86400)
	}
	t, err := c.state.Team(ctx, team)
	if err != nil {
		return RuleExecution{}, err
	}
	r, err := c.state.Rule(ctx, team, rule)
	if err != nil {
		return RuleExecution{}, err
	}
	vars, err := c.state.Variables(ctx, team)
	if err != nil {
		return RuleExecution{}, err
	}
	tv := depc.CollectVariables(vars)
	sources := map[string]depc.SourceConfig{}
	eng := new(qos.Engine)
	out := RuleExecution{Checks: make([]CheckExecution, 0, len(r.Checks))}
	tls := make([]qos.Timeline, 0, len(r.Checks))
	for _, check := range r.Checks {
		tl, ce, err := c.executeCheck(ctx, t.Name, r.Name, check, w, name, eng, sources, tv)
		if err != nil {
			return RuleExecution{}, err
		}
		out.Checks = append(out.Checks, ce)
		tls = append(tls, tl)
	}
	tl := eng.Rule(w, qos.Always, tls)
	s := tl.Seconds()
	out.QoS, out.OK, out.KO, out.Unknown = qosPtr(s.QoS()), s.OK, s.KO, s.Unknown
	out.Downtime = intervals(tl.Downtime())
	return out, nil
}

// executeCheck evaluates one check for one name. Its error is only for
// what stops the whole execution (the state store, ctx); the check's own
// failures are in the CheckExecution.
func (c *Computer) executeCheck(ctx context.Context, team, rule, check string, w depc.Window, node string, eng *qos.Engine, sources map[string]depc.SourceConfig, tv depc.TeamVariables) (qos.Timeline, CheckExecution, error) {
	ce := CheckExecution{Name: check, Points: []SeriesPoints{}}
	unknown := qos.Constant(w, qos.Unknown)
	fail := func(msg string) (qos.Timeline, CheckExecution, error) {
		ce.Error = &msg
		ce.Unknown = w.Len()
		ce.Downtime = []Interval{}
		return unknown, ce, nil
	}
	ch, err := c.state.Check(ctx, team, check)
	if err != nil {
		if depc.ErrorCode(err) == depc.ENOTFOUND {
			return fail(fmt.Sprintf("check %q does not exist", check))
		}
		return unknown, ce, err
	}
	ce.Type, ce.Threshold, ce.Query = ch.Type, ch.Parameters.Threshold, ch.Parameters.Query
	ch, err = tv.RenderQuery(ch, rule, w.Start, w.End, false)
	if err != nil {
		return fail(depc.ErrorMessage(err))
	}
	ce.Query = ch.Parameters.Query
	b, err := ch.Bound()
	if err != nil {
		return fail(err.Error())
	}
	sc, ok := sources[ch.Source]
	if !ok {
		sc, err = c.state.Source(ctx, team, ch.Source)
		if err != nil {
			if depc.ErrorCode(err) == depc.ENOTFOUND {
				return fail(fmt.Sprintf("source %q does not exist", ch.Source))
			}
			return unknown, ce, err
		}
		sources[ch.Source] = sc
	}
	src, release, err := c.source(ctx, team, sc)
	if err != nil {
		return fail(fmt.Sprintf("source %q: %s", sc.Name, depc.ErrorMessage(err)))
	}
	defer release()
	var res depc.SourceResult
	got := false
	err = src.Fetch(ctx, ch.Parameters, w, []string{node}, func(r depc.SourceResult) {
		if r.Name == node {
			res, got = r, true
		}
	})
	if err != nil {
		return unknown, ce, depc.WrapError(depc.EUNAVAILABLE, err, "check %q: fetch stopped", check)
	}
	if got && res.Err != nil {
		return fail(errorText(res.Err))
	}
	pts := make([][]qos.Point, 0, len(res.Series))
	for _, s := range res.Series {
		pts = append(pts, s.Points)
		vals := make([]Point, len(s.Points))
		for i, p := range s.Points {
			vals[i] = Point(p)
		}
		ce.Points = append(ce.Points, SeriesPoints{Name: seriesName(s.Labels), Values: vals})
	}
	ce.Series = len(res.Series)
	tl := eng.IndicatorMissing(w, b, pts, ch.Parameters.MissingPolicy())
	s := tl.Seconds()
	ce.QoS, ce.OK, ce.KO, ce.Unknown = qosPtr(s.QoS()), s.OK, s.KO, s.Unknown
	ce.Downtime = intervals(tl.Downtime())
	return tl, ce, nil
}

// seriesName writes labels as PromQL does: metric{a="1", b="2"}.
func seriesName(labels map[string]string) string {
	keys := make([]string, 0, len(labels))
	for k := range labels {
		if k != "__name__" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var b strings.Builder
	b.WriteString(labels["__name__"])
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(k)
		b.WriteString("=")
		b.WriteString(strconv.Quote(labels[k]))
	}
	b.WriteByte('}')
	return b.String()
}
