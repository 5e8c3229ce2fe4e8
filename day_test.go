package depc_test

import (
	"strings"
	"testing"
	"time"

	"github.com/depc-dev/depc"
)

func TestParseDay(t *testing.T) {
	for _, s := range []string{"2025-01-02", "2024-02-29", "0001-01-01", "9999-12-31"} {
		d, err := depc.ParseDay("day", s)
		if err != nil || depc.FormatDay(d) != s || d.Location() != time.UTC || d.Hour() != 0 {
			t.Errorf("ParseDay(%q) = %v, %v", s, d, err)
		}
	}
	for _, s := range []string{"", "2025-1-2", "2025-02-30", "2023-02-29", "2025-01-02 ", " 2025-01-02", "2025-01-02T00:00:00Z", "20250102", "+2025-01-02"} {
		_, err := depc.ParseDay("start", s)
		if depc.ErrorCode(err) != depc.EINVALID || !strings.HasPrefix(depc.ErrorMessage(err), "start: ") {
			t.Errorf("ParseDay(%q): %v, want EINVALID naming start", s, err)
		}
	}
}

func TestAddDays(t *testing.T) {
	for _, c := range []struct {
		day  string
		n    int
		want string
	}{
		{"2025-01-01", -1, "2024-12-31"},
		{"2024-02-28", 1, "2024-02-29"},
		{"2025-03-30", 0, "2025-03-30"},
		{"2025-12-31", 366, "2027-01-01"},
	} {
		if got, err := depc.AddDays(c.day, c.n); err != nil || got != c.want {
			t.Errorf("AddDays(%q, %d) = %q, %v; want %q", c.day, c.n, got, err, c.want)
		}
	}
	if _, err := depc.AddDays("2025-13-01", 1); depc.ErrorCode(err) != depc.EINVALID {
		t.Errorf("AddDays of a bad day: %v", err)
	}
}

func TestFormatDayUsesTheLocation(t *testing.T) {
	loc := time.FixedZone("east", 10*3600)
	at := time.Date(2025, 6, 1, 20, 0, 0, 0, time.UTC)
	if got := depc.FormatDay(at.In(loc)); got != "2025-06-02" {
		t.Errorf("FormatDay in +10 = %q, want 2025-06-02", got)
	}
}

func TestParseDayRange(t *testing.T) {
	s, e, err := depc.ParseDayRange("2025-01-02", "2025-01-02")
	if err != nil || !s.Equal(e) {
		t.Errorf("one-day range: %v %v %v", s, e, err)
	}
	for _, c := range []struct{ start, end, field string }{
		{"2025-1-2", "2025-01-03", "start: "},
		{"2025-01-02", "tomorrow", "end: "},
		{"2025-01-03", "2025-01-02", "end: "},
	} {
		_, _, err := depc.ParseDayRange(c.start, c.end)
		if depc.ErrorCode(err) != depc.EINVALID || !strings.HasPrefix(depc.ErrorMessage(err), c.field) {
			t.Errorf("ParseDayRange(%q, %q): %v, want EINVALID naming %s", c.start, c.end, err, c.field)
		}
	}
}
