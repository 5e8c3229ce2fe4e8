package influxdb

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/depc-dev/depc/source/httpsource"
)

// FuzzDecode: any answer body gives series or an error, never a panic;
// what it gives holds only the nodes asked for, points of the range, sorted
// and one per second, and no empty series.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"results":[{"statement_id":0,"series":[{"name":"m","tags":{"name":"a"},"columns":["time","v","ok"],"values":[[100,1,true],[160,2.5e0,false],[160,null,null]]}]}]}`,
		`{"results":[{"statement_id":0,"series":[{"name":"m","tags":{"name":"a"},"columns":["time","v"],"values":[[100,1]],"partial":true}],"partial":true}]}
{"results":[{"statement_id":0,"series":[{"name":"m","tags":{"name":"b"},"columns":["v","time"],"values":[[-3,50],[4,40]]}]}]}`,
		`{"results":[{"statement_id":0,"error":"database not found: x"}]}`,
		`{"error":"authorization failed"}`,
		`{"results":[{"series":[{"name":"m","tags":{"name":"a"},"columns":["time","v"],"values":[[1,"s"]]}]}]}`,
		`{"results":[{"series":[{"name":"m","tags":{"name":"a"},"columns":["time","v"],"values":null}]}]}`,
		`{"results":[{"series":[{"name":"m","tags":{"name":"a"},"columns":["time","v"],"values":[[1e400,1],[1,-],[1]]}]}]}`,
		`{"results":[]}`, ``, `null`, `[]`, `{"results":[{"series":[{}]}]}`, `<html>`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		d := newDecoder("name", []string{"a", "b"}, 0, 1000)
		lr := httpsource.NewLimitedReader(bytes.NewReader(body), 1<<16)
		err := d.decode(lr)
		if err != nil {
			var se *serverError
			var ve *valueError
			if (errors.As(err, &se) || errors.As(err, &ve)) && strings.TrimSpace(err.Error()) == "" {
				t.Fatalf("an empty message: %#v", err)
			}
			return
		}
		for node, series := range d.result() {
			if node != "a" && node != "b" {
				t.Fatalf("series for %q, not asked for", node)
			}
			for _, s := range series {
				if len(s.Points) == 0 || s.Labels["name"] != node {
					t.Fatalf("%q: series %v with %d points", node, s.Labels, len(s.Points))
				}
				for i, p := range s.Points {
					if p.T < 0 || p.T >= 1000 || (i > 0 && p.T <= s.Points[i-1].T) {
						t.Fatalf("%q: points %v out of range or order", node, s.Points)
					}
				}
			}
		}
	})
}
