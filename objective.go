package depc

import "github.com/depc-dev/depc/qos/budget"

// Objective is a QoS target over a window of days (docs/objectives.md):
// set on a node, or on a label as the default of every node of the label
// that has none of its own. Its error budget is the KO time it allows
// (package qos/budget).
type Objective struct {
	Label string `json:"label"`
	// Name is the node's name; "" for the label's objective.
	Name string `json:"name"`
	// Target is a percentage, greater than 0 and less than 100.
	Target float64 `json:"target"`
	// Window is rolling_7d, rolling_28d, rolling_30d or calendar_month.
	Window budget.Kind `json:"window"`
}

// Key is the node the objective is set on; its Name is "" for a label's.
func (o Objective) Key() NodeKey { return NodeKey{Label: o.Label, Name: o.Name} }

// Validate checks an objective as whoever saves it must: a label, a node
// name or "", a target strictly between 0 and 100 and a known window.
// EINVALID names the field.
func (o Objective) Validate() error {
	if err := CheckLabel("label", o.Label); err != nil {
		return err
	}
	if o.Name != "" {
		if err := CheckName("name", o.Name); err != nil {
			return err
		}
	}
	if err := budget.CheckTarget(o.Target); err != nil {
		return Errorf(EINVALID, "target: %v", err)
	}
	if !o.Window.Valid() {
		return Errorf(EINVALID, "window: must be one of %v, not %q", budget.Kinds, o.Window)
	}
	return nil
}
