// Package api is the REST API of depc (spec/api.md) on echo/v4.
//
// Every route is declared once, in routes.go, with the role it needs; the
// OpenAPI document (openapi.json) describes the same routes and a test holds
// the two together. Handlers return errors; one table (errors.go) maps a
// depc error code to an HTTP status and writes the JSON error body
// {"error": {"code", "message"}}. Bad input is never a 500.
//
// Access: every /api/v1 request carries a bearer token. The admin token and
// user tokens are stored hashed by the state store; a team-scoped route
// checks the caller's role in that team (viewer < editor < manager), and
// admins may do everything.
package api
