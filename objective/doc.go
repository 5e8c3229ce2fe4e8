// Package objective computes the error budgets of a team's objectives
// (docs/objectives.md): which objective applies to a node (its own, or its
// label's), the window of days it covers, what is known of those days
// (the stored results of past days, today's live QoS) and, through package
// qos/budget, the budget and burn rates.
//
// Budgets.Node is one node's budget with its burn-down, today measured
// live. Budgets.Team is every budget of a team at once — each node with an
// objective of its own and every node of a label that has one — with a
// summary per label: the function the API's dashboard reads and that
// alerting may call. A label's nodes are read day by day as whole labels
// (ObjectiveStore.LabelSeconds), never node by node, so a label of 100 000
// nodes over 30 days costs 30 reads.
//
// Today is measured live (compute's LiveDay) when the caller asks for it;
// for a large team that costs most of a run, so Team leaves it out by
// default and today's part of the windows is pending: the burn rates then
// look back from the end of the last day with results.
package objective
