package message_test

import (
	"encoding/json"
	"testing"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/message"
)

var benchMessages = map[string]string{
	"nested": seeds[0],
	"flat":   seeds[1],
	"node":   `{"source": {"label": "Server", "name": "srv-000123.example.net"}}`,
}

func BenchmarkDecode(b *testing.B) {
	for name, msg := range benchMessages {
		b.Run(name, func(b *testing.B) {
			var d message.Decoder
			var dst []depc.Event
			data := []byte(msg)
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				var err error
				if dst, err = d.Decode(dst[:0], data, at); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkDecodeEncodingJSON is the cost of only unmarshalling the same
// messages into map[string]any, the approach the scanner replaces.
func BenchmarkDecodeEncodingJSON(b *testing.B) {
	for name, msg := range benchMessages {
		b.Run(name, func(b *testing.B) {
			data := []byte(msg)
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				var m map[string]any
				if err := json.Unmarshal(data, &m); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
