package depc

import (
	"errors"
	"fmt"
)

// Error codes. The API maps each to one HTTP status in one table.
const (
	EINVALID      = "invalid"      // bad input: malformed, fails validation
	EUNAUTHORIZED = "unauthorized" // no or unknown token
	EFORBIDDEN    = "forbidden"    // the caller lacks the role
	ENOTFOUND     = "not_found"    // unknown team, node, source, …
	ECONFLICT     = "conflict"     // name taken, or still in use
	ETOOLARGE     = "too_large"    // a body or message over its limit
	ELIMIT        = "limit"        // over a team's limit (labels, nodes, messages per second)
	EUNAVAILABLE  = "unavailable"  // a store or service cannot be reached; retry later
	EINTERNAL     = "internal"     // a bug
)

// Error is an error with a code and a message meant for the user. Adapters
// translate driver errors into an Error at their boundary.
type Error struct {
	Code    string
	Message string
	Err     error // the underlying cause, if any; not shown to users
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// WrapError returns an *Error with the given code and message that keeps err
// as its cause.
func WrapError(code string, err error, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Err: err}
}

// ErrorCode returns the code of the first *Error in err's chain, "" for nil,
// and EINTERNAL for any other error.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of err: the message of the
// first *Error in its chain, or "internal error" for any other error (whose
// text may hold details users must not see).
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}
