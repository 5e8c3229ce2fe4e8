package depc_test

import (
	"strings"
	"testing"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/qos"
)

func TestCheckMissingPolicy(t *testing.T) {
	check := func(missing string) depc.Check {
		return depc.Check{Name: "Ping", Source: "prom", Type: depc.CheckThreshold,
			Parameters: depc.CheckParameters{Query: "up", Threshold: "1", Missing: missing}}
	}
	for _, m := range []string{"", depc.MissingUnknown, depc.MissingOK, depc.MissingKO} {
		if err := check(m).Validate(); err != nil {
			t.Errorf("missing %q: %v", m, err)
		}
	}
	for _, m := range []string{"down", "KO", "Unknown", " ok"} {
		err := check(m).Validate()
		if depc.ErrorCode(err) != depc.EINVALID || !strings.Contains(depc.ErrorMessage(err), "parameters.missing") {
			t.Errorf("missing %q: %v", m, err)
		}
	}
	for _, tt := range []struct {
		p    depc.CheckParameters
		want qos.Missing
	}{
		{depc.CheckParameters{}, qos.Missing{State: qos.Unknown, Hold: depc.DefaultStaleness}},
		{depc.CheckParameters{Missing: depc.MissingUnknown}, qos.Missing{State: qos.Unknown, Hold: 300}},
		{depc.CheckParameters{Missing: depc.MissingKO}, qos.Missing{State: qos.KO, Hold: 300}},
		{depc.CheckParameters{Missing: depc.MissingOK, Step: 3600}, qos.Missing{State: qos.OK, Hold: 3600}},
		{depc.CheckParameters{Missing: depc.MissingKO, Step: 60, Lookback: 900}, qos.Missing{State: qos.KO, Hold: 900}},
	} {
		if got := tt.p.MissingPolicy(); got != tt.want {
			t.Errorf("%+v: policy %+v, want %+v", tt.p, got, tt.want)
		}
	}
}
