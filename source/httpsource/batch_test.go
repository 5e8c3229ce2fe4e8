package httpsource_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"testing"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/qos"
	"github.com/depc-dev/depc/source/httpsource"
)

func TestDistinct(t *testing.T) {
	if got := httpsource.Distinct([]string{"b", "a", "b", "c", "a"}); !reflect.DeepEqual(got, []string{"b", "a", "c"}) {
		t.Errorf("Distinct = %v", got)
	}
}

// TestRun: every name of every batch gets its series or its batch's error,
// once; a failed batch does not stop the others.
func TestRun(t *testing.T) {
	batches := [][]string{{"a", "b"}, {"c"}, {"d", "e"}}
	boom := errors.New("boom")
	got := map[string]string{}
	err := httpsource.Run(context.Background(), 2, batches, func(b []string) []string { return b },
		func(_ context.Context, b []string) (map[string][]depc.Series, error) {
			if b[0] == "c" {
				return nil, boom
			}
			out := map[string][]depc.Series{}
			for i, n := range b {
				out[n] = []depc.Series{{Points: []qos.Point{{T: 0, V: float64(i)}}}}
			}
			return out, nil
		},
		func(r depc.SourceResult) {
			if _, dup := got[r.Name]; dup {
				t.Errorf("%s given twice", r.Name)
			}
			if r.Err != nil {
				got[r.Name] = r.Err.Error()
			} else {
				got[r.Name] = fmt.Sprint(r.Series[0].Points[0].V)
			}
		})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"a": "0", "b": "1", "c": "boom", "d": "0", "e": "1"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("results %v, want %v", got, want)
	}
}

// TestRunCancelled: when the caller gives up, Run says so, and the
// batches that failed with it are not the nodes' errors.
func TestRunCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var names []string
	err := httpsource.Run(ctx, 1, [][]string{{"a"}, {"b"}, {"c"}}, func(b []string) []string { return b },
		func(ctx context.Context, b []string) (map[string][]depc.Series, error) {
			if b[0] == "b" {
				cancel()
				<-ctx.Done()
				return nil, ctx.Err()
			}
			return nil, nil
		},
		func(r depc.SourceResult) {
			if r.Err != nil {
				t.Errorf("%s: %v given to fn", r.Name, r.Err)
			}
			names = append(names, r.Name)
		})
	sort.Strings(names)
	if !errors.Is(err, context.Canceled) || !reflect.DeepEqual(names, []string{"a"}) {
		t.Errorf("Run = %v with results for %v; want context.Canceled after a", err, names)
	}
}
