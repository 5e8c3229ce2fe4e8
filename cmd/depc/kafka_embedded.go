package main

import (
	"fmt"
	"net"
	"strconv"

	"github.com/twmb/franz-go/pkg/kfake"
)

// startEmbeddedKafka starts an in-process Kafka-protocol broker (franz-go's
// kfake) so that a team can point its real producer at a single-machine
// depc. It keeps its log in dir, so records survive a restart, and creates
// topics on first use like a default broker. kfake binds 127.0.0.1 only:
// it is for trying producers, not for production.
func startEmbeddedKafka(addr, dir string) (*kfake.Cluster, error) {
	host, portText, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("kafka.embedded_addr %q: %v", addr, err)
	}
	if host != "127.0.0.1" && host != "localhost" {
		return nil, fmt.Errorf("kafka.embedded_addr %q: the embedded broker listens on 127.0.0.1 only", addr)
	}
	port, err := strconv.Atoi(portText)
	if err != nil || port < 0 || port > 65535 {
		return nil, fmt.Errorf("kafka.embedded_addr %q: bad port", addr)
	}
	c, err := kfake.NewCluster(
		kfake.Ports(port),
		kfake.DataDir(dir),
		kfake.AllowAutoTopicCreation(),
		kfake.DefaultNumPartitions(3),
	)
	if err != nil {
		return nil, fmt.Errorf("embedded kafka on %s: %w", addr, err)
	}
	return c, nil
}
