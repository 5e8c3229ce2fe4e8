package api

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/depc-dev/depc"
	"github.com/labstack/echo/v4"
)

// statusOf is the one table from depc error codes to HTTP statuses. An
// unreachable store is a 500 like a bug (spec/api.md), but with its own
// message so the caller knows to retry.
var statusOf = map[string]int{
	depc.EINVALID:      http.StatusBadRequest,
	depc.EUNAUTHORIZED: http.StatusUnauthorized,
	depc.EFORBIDDEN:    http.StatusForbidden,
	depc.ENOTFOUND:     http.StatusNotFound,
	depc.ECONFLICT:     http.StatusConflict,
	depc.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	depc.ELIMIT:        http.StatusTooManyRequests,
	depc.EUNAVAILABLE:  http.StatusInternalServerError,
	depc.EINTERNAL:     http.StatusInternalServerError,
}

// errorBody is the JSON of every error answer.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// errorHandler writes err as the JSON error body. Echo's own errors (no
// route, wrong method, body too large) are translated to depc codes first.
func (s *Server) errorHandler(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	code, message := depc.ErrorCode(err), depc.ErrorMessage(err)
	var he *echo.HTTPError
	if errors.As(err, &he) {
		code, message = echoError(he)
	}
	status, ok := statusOf[code]
	if !ok {
		status = http.StatusInternalServerError
	}
	if status >= 500 {
		rid := c.Response().Header().Get(echo.HeaderXRequestID)
		s.log.Error("request failed", "request_id", rid, "method", c.Request().Method,
			"path", c.Request().URL.Path, "error", err)
		if code == depc.EUNAVAILABLE {
			code, message = depc.EINTERNAL, "a store is unreachable; retry later (request "+rid+")"
		} else {
			code, message = depc.EINTERNAL, "internal error (request "+rid+")"
		}
	} else {
		s.log.Debug("request refused", "status", status, "path", c.Request().URL.Path, "error", err)
	}
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(status)
		return
	}
	_ = c.JSON(status, errorBody{errorDetail{Code: code, Message: message}})
}

// echoError maps echo's HTTP errors to a code and a message.
func echoError(he *echo.HTTPError) (string, string) {
	msg, _ := he.Message.(string)
	switch he.Code {
	case http.StatusNotFound, http.StatusMethodNotAllowed:
		// A method a path does not take is no route either: api.md's
		// table has no 405, and the UI's catch-all GET route would
		// otherwise turn any unknown POST under /api/v1 into one.
		return depc.ENOTFOUND, "no such route"
	case http.StatusRequestEntityTooLarge:
		return depc.ETOOLARGE, "request body too large"
	case http.StatusUnauthorized:
		return depc.EUNAUTHORIZED, msg
	case http.StatusForbidden:
		return depc.EFORBIDDEN, msg
	}
	if he.Code >= 400 && he.Code < 500 {
		if msg == "" {
			msg = http.StatusText(he.Code)
		}
		return depc.EINVALID, msg
	}
	return depc.EINTERNAL, "internal error"
}

// logger returns a handler's logger; kept here so every 5xx goes through
// errorHandler with its request id.
func newDiscardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
