// Package warp10 is the source that runs WarpScript on Warp 10 (the
// original DepC's WarpScript source) over its HTTP /api/v0/exec API with a
// read token.
//
// A check's query is a WarpScript that leaves a list of Geo Time Series on
// the top of the stack, as the original DepC's checks did. Before it, depc
// stores what the original stored:
//
//	'<ISO 8601 start − 1 s>' 'start' STORE
//	'<ISO 8601 end>' 'end' STORE
//	'<read token>' 'token' STORE
//
// so that a script reads $start, $end and $token (the original gave the
// start one second early: Warp 10's FETCH between two dates leaves out the
// first second). The start is the window's start less the check's lookback
// (default 300 s). The node's name is $name: where a DepC script wrote
// '{{ depc.name }}' (the original rendered it with Jinja before each run),
// a depc script writes $name, and `depc import depc` rewrites it so:
//
//	[ $token 'http.status' { 'host' $name } $start $end ] FETCH
//
// {{ depc.start }}, {{ depc.end }} and the team, source, rule and check
// variables are rendered by depc before the script is sent (package
// querytemplate).
//
// Batches: a Fetch runs one script per batch of nodes (max_names_per_query,
// default 100), which runs the check's script once per name with $name
// stored, keeps what it left on the top of the stack and clears the rest,
// and leaves a map of the names to their lists of GTS. Names are written as
// WarpScript strings with every byte but letters, digits, '.', '_' and '-'
// percent-encoded (WarpScript decodes %XX in string constants), so that no
// name, and no token, means anything but itself.
//
// Values, as the original converted them: each point's timestamp is in
// microseconds (Warp 10's default time unit), divided by 10⁶ and truncated
// to the second; its value is the last element of the point ([ts, value],
// [ts, lat, lon, value], [ts, elev, value]…); true and false are 1 and 0
// (the original compared them as Python's booleans); NaN and null are no
// point; a string is an error naming parameters.query. Points are sorted
// (FETCH gives the newest first), one per second (the last given wins, as
// in the original's dictionary), kept in [start − lookback, end). Each GTS
// becomes a depc.Series labelled by its labels plus _metric, its class.
//
// Answers larger than max_response_bytes (default 64 MiB) are refused with
// an error naming the setting, not a full memory. A script Warp 10 refuses
// (HTTP 500 with X-Warp10-Error-Message) is EINVALID naming parameters.query
// with Warp 10's message, cut to 300 bytes; refused credentials, an
// unreachable server, another HTTP error, a timeout or a malformed answer is
// EUNAVAILABLE naming the server's URL, what the server answered going to
// the outbound guard's log only (docs/security.md).
//
// Warp 10 is on none of the registries this project's machines reach (not
// Maven Central under io.warp10, nor Debian, PyPI or npm as a server), so
// the tests run against answers recorded in Warp 10's documented form
// (testdata/), not against a server.
package warp10
