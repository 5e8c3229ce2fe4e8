package depc

import "time"

// Days are calendar days written "YYYY-MM-DD" (time.DateOnly) in the API,
// the stores, the flags and the messages; a team's day is that date in its
// time zone. These helpers are the one place a day is read or written, so
// every reader accepts and refuses the same strings.

// ParseDay parses a day as its midnight UTC. Only the canonical form is a
// day: "2025-1-2", "2025-02-30" and "2025-01-02 " are not. EINVALID names
// the field.
func ParseDay(field, s string) (time.Time, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil || t.Format(time.DateOnly) != s {
		return time.Time{}, Errorf(EINVALID, "%s: %q is not a date YYYY-MM-DD", field, s)
	}
	return t, nil
}

// FormatDay writes the date of t in t's location.
func FormatDay(t time.Time) string { return t.Format(time.DateOnly) }

// AddDays returns the day n days after day (before it when n < 0).
// EINVALID naming "day" when day is not one.
func AddDays(day string, n int) (string, error) {
	t, err := ParseDay("day", day)
	if err != nil {
		return "", err
	}
	return FormatDay(t.AddDate(0, 0, n)), nil
}

// ParseDayRange parses the inclusive range of days start to end, as their
// midnights UTC. EINVALID names "start" or "end", and "end" when it is
// before start.
func ParseDayRange(start, end string) (time.Time, time.Time, error) {
	s, err := ParseDay("start", start)
	if err != nil {
		return s, s, err
	}
	e, err := ParseDay("end", end)
	if err != nil {
		return s, e, err
	}
	if e.Before(s) {
		return s, e, Errorf(EINVALID, "end: %s is before start %s", end, start)
	}
	return s, e, nil
}
