// Package pgtest gives tests a PostgreSQL schema of their own on the server
// of DEPC_TEST_POSTGRES_URL (deploy/dev/postgres), so that tests in
// parallel, and runs after runs, never share tables. Without the variable
// the test is skipped, or fails when DEPC_REQUIRE_SERVICES=1 (CI).
package pgtest
