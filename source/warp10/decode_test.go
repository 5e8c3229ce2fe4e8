package warp10

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/depc-dev/depc/qos"
)

func TestLiteral(t *testing.T) {
	for in, want := range map[string]string{
		"web01":        "'web01'",
		"a b'c%d+e\n":  "'a%20b%27c%25d%2Be%0A'",
		"é":            "'%C3%A9'",
		"x.y_z-1":      "'x.y_z-1'",
		"<% EVAL %> '": "'%3C%25%20EVAL%20%25%3E%20%27'",
		"":             "''",
	} {
		var b strings.Builder
		literal(&b, in)
		if b.String() != want {
			t.Errorf("literal(%q) = %s, want %s", in, b.String(), want)
		}
	}
	if got := iso(1796083200); got != "2026-12-01T00:00:00.000000Z" {
		t.Errorf("iso = %s", got)
	}
}

func TestWithoutNaN(t *testing.T) {
	for in, want := range map[string]string{
		`[1,2]`:                        `[1,2]`,
		`[NaN,Infinity,-Infinity]`:     `[null,null,null]`,
		`["NaN \"NaN\" Infinity",NaN]`: `["NaN \"NaN\" Infinity",null]`,
	} {
		if got := string(withoutNaN([]byte(in))); got != want {
			t.Errorf("withoutNaN(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestPoints(t *testing.T) {
	// Newest first, a duplicate second (the last given wins), a NaN, one
	// point before and one at the end of the range.
	v := values{{T: 130, V: 3}, {T: 120, V: 2}, {T: 120, V: 9}, {T: 110, V: math.NaN()}, {T: 100, V: 1}, {T: 99, V: 0}, {T: 140, V: 4}}
	got := points(v, 100, 140)
	want := []qos.Point{{T: 100, V: 1}, {T: 120, V: 9}, {T: 130, V: 3}}
	if len(got) != len(want) {
		t.Fatalf("points = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("points = %v, want %v", got, want)
		}
	}
}

func TestValuesParser(t *testing.T) {
	for in, want := range map[string]string{
		`[]`:   "",
		`null`: "",
		`[[1000000,1],[2000000, 48.8, 2.3, 12, 2.5]]`: "1:1 2:2.5",
		`[[3000000,true],[4000000,false],[5e6,null]]`: "3:1 4:0 5:NaN",
		` [ [ 1999999 , 1e400 ] ] `:                   "1:+Inf",
	} {
		var v values
		if err := v.UnmarshalJSON([]byte(in)); err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		var parts []string
		for _, p := range v {
			parts = append(parts, fmt.Sprintf("%d:%v", p.T, p.V))
		}
		if got := strings.Join(parts, " "); got != want {
			t.Errorf("%s: %s, want %s", in, got, want)
		}
	}
	for in, want := range map[string]string{
		`{}`:            "not an array",
		`[1]`:           "point is not an array",
		`[[1]]`:         "has no value",
		`[[1,"x"]]`:     `the string "x"`,
		`[["a",1]]`:     "timestamp",
		`[[1,[2]]]`:     "an array or an object",
		`[[1,2]`:        "malformed",
		`[[1,2] [3,4]]`: "malformed",
		`[[1 2]]`:       "malformed",
	} {
		var v values
		err := v.UnmarshalJSON([]byte(in))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want an error saying %q", in, err, want)
		}
	}
}

// FuzzDecode: any answer body gives series or an error, never a panic;
// what it gives holds only the names asked for, points of the range,
// sorted, one per second, without NaN, and no empty series.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`[{"a":[{"c":"m","l":{"host":"a"},"a":{},"v":[[2000000,1],[1000000,NaN]]}],"b":[]}]`,
		`[{"a":[{"c":"m","l":{},"v":[[1000000,1,2,3,true]]}],"b":null}]`,
		`[{"a":42,"b":[]}]`, `[{"a":[{"v":[[1,"x"]]}]}]`, `[]`, ``, `[{}]`, `NaN`, `[{"a":[{"v":[[1,2]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		got, err := decode(body, []string{"a", "b"}, 0, 1000)
		if err != nil {
			if strings.TrimSpace(err.Error()) == "" {
				t.Fatalf("an empty message: %#v", err)
			}
			return
		}
		for node, series := range got {
			if node != "a" && node != "b" {
				t.Fatalf("series for %q, not asked for", node)
			}
			for _, s := range series {
				if len(s.Points) == 0 {
					t.Fatalf("%q: an empty series", node)
				}
				for i, p := range s.Points {
					if p.T < 0 || p.T >= 1000 || (i > 0 && p.T <= s.Points[i-1].T) || math.IsNaN(p.V) {
						t.Fatalf("%q: points %v out of range or order, or NaN", node, s.Points)
					}
				}
			}
		}
	})
}
