package depc

import "time"

// Team is a tenant: everything in depc belongs to one team.
type Team struct {
	Name string `json:"name"`
	// Timezone is an IANA zone name; a team's day is its local day.
	Timezone string `json:"timezone"`
}

// Validate checks a team as whoever saves it must: a team name
// (TeamPattern) and a time zone that is an IANA name ("" stands for UTC).
// time.LoadLocation also takes "Local" and file-system paths; a team's zone
// must mean the same on every machine, so those are refused. EINVALID
// names the field.
func (t Team) Validate() error {
	if err := CheckTeam("name", t.Name); err != nil {
		return err
	}
	if t.Timezone == "" {
		return nil
	}
	if t.Timezone == "Local" || len(t.Timezone) > 64 {
		return Errorf(EINVALID, "timezone: %q is not an IANA time zone name", t.Timezone)
	}
	if _, err := time.LoadLocation(t.Timezone); err != nil {
		return Errorf(EINVALID, "timezone: %q is not an IANA time zone name", t.Timezone)
	}
	return nil
}

// Rejection is an ingestion message that failed validation, kept so that a
// team can debug its producer without access to the broker.
type Rejection struct {
	// At is when the message was rejected, in Unix seconds.
	At int64 `json:"at"`
	// Source is "kafka" or "http".
	Source string `json:"source"`
	// Error is the reason, naming the field.
	Error string `json:"error"`
	// Message is the raw message as received (truncated to MaxRejectedMessage bytes).
	Message string `json:"message"`
}

// MaxRejectedMessage bounds the copy of a rejected message that is kept.
const MaxRejectedMessage = 4096
