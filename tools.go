//go:build tools

// This file pins the modules the project builds on while their packages are
// being written, so that parallel work does not race on go.mod.
package depc

import (
	_ "github.com/go-co-op/gocron/v2"
	_ "github.com/labstack/echo/v4"
	_ "github.com/neo4j/neo4j-go-driver/v5/neo4j"
	_ "github.com/prometheus/client_golang/api"
	_ "github.com/prometheus/client_golang/prometheus"
	_ "github.com/prometheus/prometheus/promql/parser"
	_ "github.com/segmentio/kafka-go"
	_ "gopkg.in/yaml.v3"
	_ "modernc.org/sqlite"
)
