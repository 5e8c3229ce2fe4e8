package qos_test

import (
	"math"
	"testing"

	"github.com/depc-dev/depc/qos"
)

func TestRoundAndFormat(t *testing.T) {
	for _, c := range []struct {
		x        float64
		decimals int
		want     string
	}{
		{100 * 86340.0 / 86400, 3, "99.931"},
		{100 * 86220.0 / 86400, 3, "99.792"},
		{100, 3, "100.000"},
		{0, 3, "0.000"},
		{100 * 79200.0 / 86400, 3, "91.667"},
		{100.0 / 3, 3, "33.333"},
		{200.0 / 3, 3, "66.667"},
		// Ties are broken to even on the binary value: 0.0625 and 0.1875
		// are exact in binary, 0.0625 → 0.062 and 0.1875 → 0.188.
		{0.0625, 3, "0.062"},
		{0.1875, 3, "0.188"},
		{2.5, 0, "2"},
		{3.5, 0, "4"},
		// 99.9995 is not exact in binary: its nearest double is below
		// the tie and rounds down.
		{99.9995, 3, "99.999"},
		{99.99951, 3, "100.000"},
		{99.93055, 2, "99.93"},
		{99.93055, 0, "100"},
		{99.93055, -4, "100"},
		{12.3456789, 5, "12.34568"},
		{1.0 / 3, 40, "0.333333333333333"},
	} {
		if got := qos.Format(c.x, c.decimals); got != c.want {
			t.Errorf("Format(%v, %d) = %q, want %q", c.x, c.decimals, got, c.want)
		}
		if got := qos.Format(qos.Round(c.x, c.decimals), c.decimals); got != c.want {
			t.Errorf("Round(%v, %d) = %v, prints %q, want %q", c.x, c.decimals, qos.Round(c.x, c.decimals), got, c.want)
		}
	}
	if got := qos.Round(99.93055555, 3); got != 99.931 {
		t.Errorf("Round = %v, want 99.931", got)
	}
	if got := qos.Round(math.Inf(1), 3); !math.IsInf(got, 1) {
		t.Errorf("Round(+Inf) = %v", got)
	}
	if got := qos.Round(math.NaN(), 3); !math.IsNaN(got) {
		t.Errorf("Round(NaN) = %v", got)
	}
}

func TestQoSValue(t *testing.T) {
	null := qos.QoS{}
	if null.String() != "null" || null.Format(1) != "null" || null.Round(3) != null {
		t.Errorf("null QoS: %q %q %v", null.String(), null.Format(1), null.Round(3))
	}
	q := qos.QoS{Value: 99.93055, Valid: true}
	if q.String() != "99.931" || q.Format(1) != "99.9" {
		t.Errorf("QoS %v: %q %q", q.Value, q.String(), q.Format(1))
	}
	if r := q.Round(2); r != (qos.QoS{Value: 99.93, Valid: true}) {
		t.Errorf("Round(2) = %v", r)
	}
	if got := (qos.Seconds{OK: 0, KO: 0, Unknown: 5}).QoS(); got.Valid {
		t.Errorf("QoS of unknown seconds = %v", got)
	}
	if got := (qos.Seconds{OK: 3, KO: 1}).QoS(); got != (qos.QoS{Value: 75, Valid: true}) {
		t.Errorf("QoS of 3 OK, 1 KO = %v", got)
	}
}
