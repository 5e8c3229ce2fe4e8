// Package querylabels adds enforced label matchers to every series selector
// of a PromQL query, through the parser's syntax tree, as prom-label-proxy
// does. It is what keeps a team's checks on a shared Prometheus to its own
// series (the admin's source catalog, docs/isolation.md): the matchers come
// from the catalog and the team's grant, never from the team.
//
// A query may repeat an enforced matcher exactly (team="acme" when team is
// enforced as "acme"): it is kept once. Any other matcher on an enforced
// label (team!="acme", team=~".+", team="other") is refused rather than
// dropped, so that a team learns at once that its query cannot select
// those series instead of getting numbers that silently differ from what
// it wrote. It is a package of its own so that the rule is in one place,
// fuzzed on arbitrary PromQL, whatever the source package around it.
package querylabels
