package depc

// Team is a tenant: everything in depc belongs to one team.
type Team struct {
	Name string `json:"name"`
	// Timezone is an IANA zone name; a team's day is its local day.
	Timezone string `json:"timezone"`
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
