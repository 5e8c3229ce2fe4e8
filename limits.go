package depc

import (
	"cmp"
	"encoding/json"
)

// Limits bound what one team may put into depc, so that no team can
// flood the others (docs/isolation.md). The server's configuration sets
// the defaults; the admin may override them per team (TeamStore).
//
// In a team's overrides a zero field means "the default"; in the
// defaults it means "no limit".
type Limits struct {
	// Labels bounds the distinct labels of the team's graph: a message
	// that would add one more is rejected.
	Labels int `json:"labels,omitempty" yaml:"labels"`
	// Nodes bounds the nodes of the team's graph: a message that would
	// create one more is rejected.
	Nodes int `json:"nodes,omitempty" yaml:"nodes"`
	// MessageBytes bounds one ingestion message (at most MaxMessageBytes,
	// which the decoder enforces for every team).
	MessageBytes int `json:"message_bytes,omitempty" yaml:"message_bytes"`
	// MessagesPerSecond bounds the team's sustained ingestion rate, HTTP
	// and Kafka together, per process: over it, HTTP requests are refused
	// (429) and Kafka records wait in their topic.
	MessagesPerSecond int `json:"messages_per_second,omitempty" yaml:"messages_per_second"`
	// OwnSources says whether the team's managers may create sources of
	// their own (OwnSourcesAllow) or only use the shared sources the admin
	// granted them (OwnSourcesDeny). "" is the default, which allows: what
	// depc always did, and the outbound guard already keeps a team's own
	// sources off the link-local and metadata addresses (docs/isolation.md).
	OwnSources string `json:"own_sources,omitempty" yaml:"own_sources"`
}

// The values of Limits.OwnSources.
const (
	OwnSourcesAllow = "allow"
	OwnSourcesDeny  = "deny"
)

// MayCreateSources reports whether effective limits let a team create
// sources of its own.
func (l Limits) MayCreateSources() bool { return l.OwnSources != OwnSourcesDeny }

// MaxMessageBytes is the largest ingestion message of any team (the
// decoder's bound, message.MaxSize).
const MaxMessageBytes = 64 << 10

// Validate checks limits as a team's overrides or as the defaults: no
// field negative, MessageBytes at most MaxMessageBytes. EINVALID names
// the field.
func (l Limits) Validate() error {
	for _, f := range []struct {
		name string
		v    int
	}{{"labels", l.Labels}, {"nodes", l.Nodes}, {"message_bytes", l.MessageBytes}, {"messages_per_second", l.MessagesPerSecond}} {
		if f.v < 0 {
			return Errorf(EINVALID, "limits: %s must not be negative", f.name)
		}
	}
	switch l.OwnSources {
	case "", OwnSourcesAllow, OwnSourcesDeny:
	default:
		return Errorf(EINVALID, "limits: own_sources must be %q or %q, not %q", OwnSourcesAllow, OwnSourcesDeny, l.OwnSources)
	}
	if l.MessageBytes > MaxMessageBytes {
		return Errorf(EINVALID, "limits: message_bytes must be at most %d", MaxMessageBytes)
	}
	return nil
}

// Over returns l with the zero fields taken from defaults: a team's
// effective limits are its overrides over the server's defaults.
func (l Limits) Over(defaults Limits) Limits {
	pick := func(v, d int) int {
		if v != 0 {
			return v
		}
		return d
	}
	return Limits{
		Labels:            pick(l.Labels, defaults.Labels),
		Nodes:             pick(l.Nodes, defaults.Nodes),
		MessageBytes:      pick(l.MessageBytes, defaults.MessageBytes),
		MessagesPerSecond: pick(l.MessagesPerSecond, defaults.MessagesPerSecond),
		OwnSources:        cmp.Or(l.OwnSources, defaults.OwnSources),
	}
}

// EncodeLimits is the stored form of a team's limits (JSON, "{}" for
// none), for state stores. EINVALID when they fail Validate.
func EncodeLimits(l Limits) ([]byte, error) {
	if err := l.Validate(); err != nil {
		return nil, err
	}
	return json.Marshal(l)
}

// DecodeLimits reads what EncodeLimits wrote. Stored limits that do not
// decode are a bug (EINTERNAL).
func DecodeLimits(b []byte) (Limits, error) {
	var l Limits
	if err := json.Unmarshal(b, &l); err != nil {
		return Limits{}, WrapError(EINTERNAL, err, "stored team limits: %v", err)
	}
	return l, nil
}
