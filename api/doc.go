// Package api is the REST API of depc (spec/api.md) on echo/v4.
//
// Every route is declared once, in routes.go, with the access it needs;
// the OpenAPI 3 document (openapi.json, served at /api/v1/openapi.json)
// describes the same routes, with the role of each in x-depc-role, and a
// test holds the two together. Handlers return errors; one table
// (errors.go) maps a depc error code to an HTTP status and writes the JSON
// error body {"error": {"code", "message"}}. Bad input is never a 500.
//
// Access: every /api/v1 request carries a bearer token. The admin token and
// user tokens are stored hashed by the state store; a team-scoped route
// checks the caller's role in that team (viewer < editor < manager), and
// admins may do everything. A user without a role gets 403 whether the team
// exists or not. Who a token belongs to and a user's roles are cached for
// Config.AuthCacheTTL (1 s by default, so that replicas sharing a state
// store refuse a revoked grant or a deleted token within 2 s); grants
// changed through the API apply at once.
//
// Sources: the secrets of a source configuration (bearer_token,
// basic_auth.password, header values) are shown as SecretMask; a PUT that
// sends the mask back keeps the stored value.
//
// The graph messages of POST /teams/{team}/messages are decoded by
// package message, the decoder the Kafka consumer uses, so that both ways
// in accept and refuse alike; runs go through an injected Runs (the
// scheduler).
package api
