// Package incident is the incident review of one node over one window
// (issue 13): what an incident reviewer pastes into a postmortem. A Report
// puts together, from a root cause computed over the window
// (compute.RootCauseWindow) and the team's annotations, the node's
// timeline, the ranked causes with their seconds and shares, the causal
// subgraph and paths, the evidence of each leaf and the notes; it renders
// as JSON (its fields) or as Markdown (Report.Markdown).
//
// It is a package of its own, between compute (which explains) and api
// (which serves), because the Markdown is a document format with its own
// rules (escaping, time zones, what a reader needs first) that neither the
// computation nor the HTTP layer should hold, and because the benchmark of
// an export measures it on its own.
package incident
