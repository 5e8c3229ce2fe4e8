package objective_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/objective"
	"github.com/depc-dev/depc/qos/budget"
)

var monthPattern = regexp.MustCompile(`^[0-9]{4}-(0[1-9]|1[0-2])$`)

// FuzzParseMonth: any text is a month YYYY-MM from 1970, whose first day
// is returned and starts a calendar-month window, or EINVALID naming the
// field; never a panic.
func FuzzParseMonth(f *testing.F) {
	for _, s := range []string{"2026-12", "1970-01", "1969-12", "2026-13", "2026-00", "2026-1", "", "2026-12-01", "+2026-12", "２０２６-12", "9999-12"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		first, err := objective.ParseMonth("month", s)
		want := monthPattern.MatchString(s) && s >= "1970-01"
		if (err == nil) != want {
			t.Fatalf("ParseMonth(%q) = %q, %v; want ok %v", s, first, err, want)
		}
		if err != nil {
			if depc.ErrorCode(err) != depc.EINVALID || !strings.HasPrefix(depc.ErrorMessage(err), "month: ") {
				t.Fatalf("ParseMonth(%q): %v, want EINVALID naming month", s, err)
			}
			return
		}
		if first != s+"-01" {
			t.Fatalf("ParseMonth(%q) = %q", s, first)
		}
		f, last, err := budget.Month.Days(first)
		if err != nil || f != first || last[:7] != s {
			t.Fatalf("the month of %q: %s..%s, %v", s, f, last, err)
		}
	})
}
