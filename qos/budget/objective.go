package budget

import (
	"fmt"
	"math"
	"time"
)

// Kind is the window of an objective.
type Kind string

// The windows of an objective.
const (
	Rolling7  Kind = "rolling_7d"
	Rolling28 Kind = "rolling_28d"
	Rolling30 Kind = "rolling_30d"
	// Month is the calendar month, in the team's time zone.
	Month Kind = "calendar_month"
)

// Kinds are every window kind, shortest first.
var Kinds = []Kind{Rolling7, Rolling28, Rolling30, Month}

// Valid reports whether k is one of Kinds.
func (k Kind) Valid() bool {
	return k.rollingDays() > 0 || k == Month
}

func (k Kind) rollingDays() int {
	switch k {
	case Rolling7:
		return 7
	case Rolling28:
		return 28
	case Rolling30:
		return 30
	}
	return 0
}

// MaxDays is the most days a window holds (a 31-day month).
const MaxDays = 31

// Days returns the first and the last day ("YYYY-MM-DD") of the window of
// kind k that holds today: the n days that end with today for a rolling
// window of n days (today counts as a day, measured so far), today's month
// for Month.
func (k Kind) Days(today string) (first, last string, err error) {
	t, err := time.Parse(time.DateOnly, today)
	if err != nil || t.Format(time.DateOnly) != today {
		return "", "", fmt.Errorf("today: %q is not a date YYYY-MM-DD", today)
	}
	switch {
	case k.rollingDays() > 0:
		return t.AddDate(0, 0, 1-k.rollingDays()).Format(time.DateOnly), today, nil
	case k == Month:
		y, m, _ := t.Date()
		f := time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
		return f.Format(time.DateOnly), f.AddDate(0, 1, -1).Format(time.DateOnly), nil
	}
	return "", "", fmt.Errorf("window: %q is not one of %v", k, Kinds)
}

// CheckTarget says why t cannot be an objective's target: it must be a
// percentage strictly between 0 and 100. 100 % would allow no KO second at
// all, and burn rates (KO share / allowed share) would not exist.
func CheckTarget(t float64) error {
	if math.IsNaN(t) || t <= 0 || t >= 100 {
		return fmt.Errorf("must be a percentage greater than 0 and less than 100, not %v", t)
	}
	return nil
}
