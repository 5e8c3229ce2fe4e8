package depc

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Maintenance is a maintenance window: planned downtime of a node, of every
// node of a label, or of a whole team, declared ahead or after the fact.
// Time inside it counts neither OK nor KO (docs/objectives.md): the nodes
// concerned are not active then, as if they did not exist.
type Maintenance struct {
	// ID identifies the window; it is never reused.
	ID int64 `json:"id"`
	// Label and Name say what is in maintenance: the node Label/Name, every
	// node of Label (Name ""), or the whole team (both "").
	Label string `json:"label"`
	Name  string `json:"name"`
	// From and To bound the window, [From, To), in Unix seconds.
	From int64 `json:"from"`
	To   int64 `json:"to"`
	// Reason says why, for whoever reads the timeline.
	Reason string `json:"reason"`
	// CreatedAt is when it was declared, in Unix seconds.
	CreatedAt int64 `json:"created_at"`
}

// Limits of a maintenance window.
const (
	// MaxMaintenanceLen is the longest window, in seconds: a year.
	MaxMaintenanceLen = 366 * 86400
	// MaxMaintenanceReason bounds a reason, in bytes.
	MaxMaintenanceReason = 500
)

// Window is the maintenance's [From, To).
func (m Maintenance) Window() Window { return Window{Start: m.From, End: m.To} }

// AppliesTo reports whether the window covers the node key.
func (m Maintenance) AppliesTo(key NodeKey) bool {
	return m.Label == "" || (m.Label == key.Label && (m.Name == "" || m.Name == key.Name))
}

// Validate checks a maintenance window as whoever saves it must: a scope
// (a node, a label, or the team: a name needs a label), From before To, at
// most MaxMaintenanceLen long, and a reason of 1 to MaxMaintenanceReason
// bytes of text without control characters. ID and CreatedAt are the
// store's. EINVALID names the field.
func (m Maintenance) Validate() error {
	switch {
	case m.Label != "":
		if err := CheckLabel("label", m.Label); err != nil {
			return err
		}
		if m.Name != "" {
			if err := CheckName("name", m.Name); err != nil {
				return err
			}
		}
	case m.Name != "":
		return Errorf(EINVALID, "label: required with a name (a window is on a node, a label or the whole team)")
	}
	switch {
	case m.To <= m.From:
		return Errorf(EINVALID, "to: must be after from (%d), not %d", m.From, m.To)
	case m.To-m.From > MaxMaintenanceLen || m.To-m.From < 0: // the second: an overflow
		return Errorf(EINVALID, "to: a window lasts at most %d days", MaxMaintenanceLen/86400)
	}
	r := m.Reason
	if strings.TrimSpace(r) == "" || len(r) > MaxMaintenanceReason || !utf8.ValidString(r) || strings.IndexFunc(r, unicode.IsControl) >= 0 {
		return Errorf(EINVALID, "reason: required, 1 to %d bytes of text without control characters", MaxMaintenanceReason)
	}
	return nil
}
