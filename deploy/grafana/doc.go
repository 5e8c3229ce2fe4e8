// Package grafana holds depc's Grafana dashboards (morning-overview.json
// and team.json, on a Prometheus that scrapes depc's /metrics) and turns
// the team dashboard into one team's, as GET /teams/{team}/export/grafana
// returns it. The JSON files are what operators import as they are; they
// live here, next to the deployment files, and are embedded so that the
// API serves the very same dashboard. docs/grafana.md lists the series.
package grafana
