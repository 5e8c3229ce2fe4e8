// Package prometheus is the source that queries the Prometheus HTTP API.
package prometheus
