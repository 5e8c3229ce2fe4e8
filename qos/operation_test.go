package qos_test

import (
	"math"
	"strings"
	"testing"

	"github.com/depc-dev/depc/qos"
)

func TestOperationValidateAndString(t *testing.T) {
	for _, c := range []struct {
		op      qos.Operation
		str     string
		wantErr string
	}{
		{qos.Operation{Operator: qos.And}, "AND", ""},
		{qos.Operation{Operator: qos.Or, M: 7}, "OR", ""},
		{qos.Operation{Operator: qos.AtLeast, M: 2}, "ATLEAST(2)", ""},
		{qos.Operation{Operator: qos.AtLeast, M: 0}, "ATLEAST(0)", "the count must be an integer >= 1"},
		{qos.Operation{Operator: qos.AtLeast, M: -3}, "ATLEAST(-3)", "the count must be an integer >= 1"},
		{qos.Operation{Operator: qos.Ratio, R: 0.5}, "RATIO(0.5)", ""},
		{qos.Operation{Operator: qos.Ratio, R: 1}, "RATIO(1)", ""},
		{qos.Operation{Operator: qos.Ratio, R: 0}, "RATIO(0)", "the ratio must be > 0 and <= 1"},
		{qos.Operation{Operator: qos.Ratio, R: 1.01}, "RATIO(1.01)", "the ratio must be > 0 and <= 1"},
		{qos.Operation{Operator: qos.Ratio, R: math.NaN()}, "RATIO(NaN)", "the ratio must be > 0 and <= 1"},
		{qos.Operation{}, "Operator(0)", "unknown operator"},
	} {
		err := c.op.Validate()
		if c.wantErr == "" && err != nil || c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)) {
			t.Errorf("%v.Validate() = %v, want %q", c.op, err, c.wantErr)
		}
		if got := c.op.String(); got != c.str {
			t.Errorf("String() = %q, want %q", got, c.str)
		}
	}
	for a, want := range map[qos.Aggregator]string{qos.Average: "AVERAGE", qos.Min: "MIN", qos.Max: "MAX", 0: "Aggregator(0)"} {
		if got := a.String(); got != want {
			t.Errorf("Aggregator %d: %q, want %q", a, got, want)
		}
	}
}
