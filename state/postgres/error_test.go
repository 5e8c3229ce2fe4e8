package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/depc-dev/depc"
	"github.com/jackc/pgx/v5/pgconn"
)

func TestStoreError(t *testing.T) {
	pg := func(code string) error { return fmt.Errorf("exec: %w", &pgconn.PgError{Code: code, Message: "m"}) }
	for _, tt := range []struct {
		err  error
		want string
	}{
		{nil, ""},
		{depc.Errorf(depc.ENOTFOUND, "x"), depc.ENOTFOUND},
		{pg("23505"), depc.ECONFLICT},
		{pg("23503"), depc.ECONFLICT},
		{pg("22021"), depc.EINVALID},
		{pg("57P01"), depc.EUNAVAILABLE}, // admin shutdown
		{pg("57014"), depc.EUNAVAILABLE}, // statement timeout
		{pg("40001"), depc.EUNAVAILABLE},
		{pg("40P01"), depc.EUNAVAILABLE},
		{pg("08006"), depc.EUNAVAILABLE},
		{pg("53300"), depc.EUNAVAILABLE}, // too many connections
		{pg("28P01"), depc.EUNAVAILABLE},
		{pg("42P01"), depc.EINTERNAL}, // undefined table: a bug
		{context.Canceled, depc.EUNAVAILABLE},
		{fmt.Errorf("read: %w", io.ErrUnexpectedEOF), depc.EUNAVAILABLE},
		{errors.New("something else"), depc.EINTERNAL},
	} {
		got := storeError(tt.err, "op")
		if code := depc.ErrorCode(got); code != tt.want {
			t.Errorf("storeError(%v) = %v (%s), want %s", tt.err, got, code, tt.want)
		}
		if tt.err != nil && !errors.Is(got, tt.err) {
			t.Errorf("storeError(%v) lost its cause", tt.err)
		}
	}
}
