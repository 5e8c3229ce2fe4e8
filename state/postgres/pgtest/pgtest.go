package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"testing"

	"github.com/depc-dev/depc/internal/testenv"
	"github.com/jackc/pgx/v5"
)

// Schema creates a new, empty schema and returns the URL of
// DEPC_TEST_POSTGRES_URL with its search_path set to it; the schema and
// everything in it is dropped when the test ends.
func Schema(tb testing.TB) string {
	tb.Helper()
	ctx := context.Background()
	base := testenv.RequireService(tb, testenv.PostgresURL)
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatalf("%s: %v", testenv.PostgresURL, err)
	}
	var b [8]byte
	rand.Read(b[:])
	schema := "depc_test_" + hex.EncodeToString(b[:])
	exec := func(sql string) error {
		c, err := pgx.Connect(ctx, base)
		if err != nil {
			return err
		}
		defer c.Close(ctx)
		_, err = c.Exec(ctx, sql)
		return err
	}
	if err := exec("CREATE SCHEMA " + schema); err != nil {
		tb.Fatalf("create a schema on %s: %v", testenv.PostgresURL, err)
	}
	tb.Cleanup(func() {
		if err := exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
			tb.Errorf("drop schema %s: %v", schema, err)
		}
	})
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
