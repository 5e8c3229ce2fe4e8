package statetest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/depc-dev/depc"
)

// RunRejections runs the tests of depc.RejectionStore against the stores
// open returns (see Run).
func RunRejections[S Rejections](t *testing.T, open func(t *testing.T) S) {
	run(t, func(t *testing.T) Rejections { return open(t) }, []subtest[Rejections]{
		{name: "Rejections", fn: testRejections},
		{name: "UnknownTeam", fn: testRejectionsUnknownTeam},
	})
}

func testRejections(t *testing.T, s Rejections) {
	createTeam(t, s, "acme")
	createTeam(t, s, "beta")
	if got := get(s.Rejections(ctx, "acme", 10)).must(t); len(got) != 0 {
		t.Errorf("Rejections of a new team: %v", got)
	}
	rej := func(i int, src string) depc.Rejection {
		return depc.Rejection{At: int64(1000 + i), Source: src, Error: fmt.Sprintf("error %d", i), Message: fmt.Sprintf(`{"n":%d}`, i)}
	}
	mustDo(t, s.AddRejections(ctx, "acme", []depc.Rejection{rej(0, "kafka"), rej(1, "http")}))
	mustDo(t, s.AddRejections(ctx, "acme", []depc.Rejection{rej(2, "kafka")}))
	mustDo(t, s.AddRejections(ctx, "acme", nil))
	equal(t, "Rejections newest first", get(s.Rejections(ctx, "acme", 0)).must(t), []depc.Rejection{rej(2, "kafka"), rej(1, "http"), rej(0, "kafka")})
	equal(t, "Rejections limit 2", get(s.Rejections(ctx, "acme", 2)).must(t), []depc.Rejection{rej(2, "kafka"), rej(1, "http")})
	if got := get(s.Rejections(ctx, "beta", 0)).must(t); len(got) != 0 {
		t.Errorf("Rejections of another team: %v", got)
	}

	// An invalid element records nothing.
	err := s.AddRejections(ctx, "acme", []depc.Rejection{rej(3, "kafka"), rej(4, "smtp")})
	wantCode(t, err, depc.EINVALID, "AddRejections(bad source)")
	if got := get(s.Rejections(ctx, "acme", 0)).must(t); len(got) != 3 {
		t.Errorf("after a refused batch: %d rejections, want 3", len(got))
	}
	wantCode(t, s.AddRejections(ctx, "nope", []depc.Rejection{rej(0, "http")}), depc.ENOTFOUND, "AddRejections(unknown team)")
	_, err = s.Rejections(ctx, "nope", 0)
	wantCode(t, err, depc.ENOTFOUND, "Rejections(unknown team)")

	// Long messages are cut, at a UTF-8 boundary.
	long := strings.Repeat("é", depc.MaxRejectedMessage) // 2 bytes each
	mustDo(t, s.AddRejections(ctx, "beta", []depc.Rejection{{At: 1, Source: "http", Error: "too long", Message: long}}))
	got := get(s.Rejections(ctx, "beta", 1)).must(t)
	if len(got) != 1 || len(got[0].Message) != depc.MaxRejectedMessage || !strings.HasPrefix(long, got[0].Message) {
		t.Errorf("long message kept as %d bytes, want the first %d", len(got[0].Message), depc.MaxRejectedMessage)
	}
	odd := "x" + long
	mustDo(t, s.AddRejections(ctx, "beta", []depc.Rejection{{At: 2, Source: "http", Error: "too long", Message: odd}}))
	got = get(s.Rejections(ctx, "beta", 1)).must(t)
	if len(got) != 1 || len(got[0].Message) != depc.MaxRejectedMessage-1 || !strings.HasPrefix(odd, got[0].Message) {
		t.Errorf("odd message kept as %d bytes, want %d (not splitting a character)", len(got[0].Message), depc.MaxRejectedMessage-1)
	}

	// Bounded: the newest MaxRejections are kept, in one call or several.
	var batch []depc.Rejection
	for i := range depc.MaxRejections + 5 {
		batch = append(batch, rej(10+i, "kafka"))
	}
	mustDo(t, s.AddRejections(ctx, "acme", batch[:600]))
	mustDo(t, s.AddRejections(ctx, "acme", batch[600:]))
	got = get(s.Rejections(ctx, "acme", 0)).must(t)
	if len(got) != depc.MaxRejections {
		t.Fatalf("kept %d rejections, want %d", len(got), depc.MaxRejections)
	}
	for i, r := range got {
		if want := batch[len(batch)-1-i]; r != want {
			t.Fatalf("rejection %d = %+v, want %+v", i, r, want)
		}
	}
	mustDo(t, s.AddRejections(ctx, "beta", batch))
	got = get(s.Rejections(ctx, "beta", 0)).must(t)
	if len(got) != depc.MaxRejections || got[0] != batch[len(batch)-1] || got[len(got)-1] != batch[5] {
		t.Errorf("one batch over the bound: kept %d, newest %+v", len(got), got[0])
	}
}

func testRejectionsUnknownTeam(t *testing.T, s Rejections) {
	const team = "nope"
	unknownTeam(t, map[string]error{
		"AddRejections": s.AddRejections(ctx, team, []depc.Rejection{{Source: "bad"}}),
		"Rejections":    second(s.Rejections(ctx, team, 1)),
	})
}
