package compute_test

import (
	"errors"
	"testing"

	"github.com/depc-dev/depc"
)

// A check's missing-data policy: with ko, a node whose exporter died at
// noon is KO from 5 minutes after its last datapoint, one with no series
// or no answer at all is KO all day; a source error stays Unknown.
func TestMissingData(t *testing.T) {
	for _, tt := range []struct {
		missing string
		want    string
	}{
		// Without a policy the dead exporter's last datapoint is held to
		// the end of the day (semantics §3).
		{"", `died ok 86400 ko 0 unknown 0 qos 100.000
nodata ok 0 ko 0 unknown 86400 qos null
silent ok 0 ko 0 unknown 86400 qos null
failing ok 0 ko 0 unknown 86400 qos null
fine ok 86400 ko 0 unknown 0 qos 100.000
`},
		{depc.MissingUnknown, `died ok 86400 ko 0 unknown 0 qos 100.000
nodata ok 0 ko 0 unknown 86400 qos null
silent ok 0 ko 0 unknown 86400 qos null
failing ok 0 ko 0 unknown 86400 qos null
fine ok 86400 ko 0 unknown 0 qos 100.000
`},
		// The last datapoint at 11:59 counts until 12:04.
		{depc.MissingKO, `died ok 43440 ko 42960 unknown 0 qos 50.278
nodata ok 0 ko 86400 unknown 0 qos 0.000
silent ok 0 ko 86400 unknown 0 qos 0.000
failing ok 0 ko 0 unknown 86400 qos null
fine ok 86400 ko 0 unknown 0 qos 100.000
`},
		{depc.MissingOK, `died ok 86400 ko 0 unknown 0 qos 100.000
nodata ok 86400 ko 0 unknown 0 qos 100.000
silent ok 86400 ko 0 unknown 0 qos 100.000
failing ok 0 ko 0 unknown 86400 qos null
fine ok 86400 ko 0 unknown 0 qos 100.000
`},
	} {
		t.Run("missing="+tt.missing, func(t *testing.T) {
			e := newEnv(t, nil)
			src := e.team("acme", "")
			_, err := e.state.CreateCheck(e.ctx, "acme", depc.Check{Name: "Ping", Source: "src", Type: depc.CheckThreshold,
				Parameters: depc.CheckParameters{Query: "ping", Threshold: "20", Missing: tt.missing}})
			e.must(err)
			e.rule("acme", "Servers", "Ping")
			e.config("acme", `{"Server": {"qos": "rule.Servers"}}`)
			var evs []depc.Event
			for _, n := range []string{"died", "nodata", "silent", "failing", "fine"} {
				evs = append(evs, node("Server", n)...)
			}
			e.apply("acme", evs...)
			src.set("ping", "died", points(S-300, S+43200, 60))
			src.set("ping", "fine", points(S-300, S+86400, 60))
			src.fail("failing", errors.New("connection refused"))
			src.silent = map[string]bool{"silent": true}
			e.run("acme", day)
			got := ""
			for _, n := range []string{"died", "nodata", "silent", "failing", "fine"} {
				r := e.result("acme", day, "Server", n)
				got += n + " ok " + i64(r.OK) + " ko " + i64(r.KO) + " unknown " + i64(r.Unknown) + " qos " + qosString(r.QoS) + "\n"
			}
			if got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}
