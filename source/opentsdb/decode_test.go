package opentsdb

import (
	"bytes"
	"strings"
	"testing"

	"github.com/depc-dev/depc/source/httpsource"
)

// FuzzDecode: any answer body gives series or an error, never a panic;
// what it gives holds only the nodes asked for, points of the range, sorted
// and one per second, and no empty series.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`[{"metric":"m","tags":{"name":"a","p":"1"},"aggregateTags":[],"dps":{"100":1,"160":2.5e0,"220":null,"280":"NaN","340":"Infinity"}}]`,
		`[{"metric":"m","tags":{"name":"b"},"dps":[[50,-3],[40,4],[40,5]]},{"metric":"m","tags":{"name":"a"},"dps":{}}]`,
		`[{"metric":"m","tags":{"name":"c"},"dps":{"1":1}},{"metric":"m","tags":{},"aggregateTags":["name"],"dps":{"1":1}}]`,
		`[{"metric":"m","tags":{"name":"a"},"dps":{"1":"up"}}]`,
		`[{"metric":"m","tags":{"name":"a"},"dps":{"1.5":1,"x":2}}]`,
		`[{"metric":"m","tags":{"name":"a"},"dps":[[1e400,1],[1,-],[1]]}]`,
		`[{"metric":"m","tags":{"name":"a"},"dps":null}]`,
		`{"error":{"code":400,"message":"No such name for 'metrics': 'm'"}}`,
		`[]`, ``, `null`, `[] []`, `[{}]`, `<html>`, `[{"tags":{"name":1}}]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		d := newDecoder("name", []string{"a", "b"}, 0, 1000)
		lr := httpsource.NewLimitedReader(bytes.NewReader(body), 1<<16)
		if err := d.decode(lr); err != nil {
			if strings.TrimSpace(err.Error()) == "" {
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
					if p.T < 0 || p.T >= 1000 || (i > 0 && p.T <= s.Points[i-1].T) || p.V != p.V {
						t.Fatalf("%q: points %v out of range or order, or NaN", node, s.Points)
					}
				}
			}
		}
	})
}
