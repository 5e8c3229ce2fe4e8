#!/usr/bin/env bash
# Runs the UI's end-to-end tests against a real `depc serve --demo` on a
# free port with a fresh data directory. Usage: ui/e2e/against-demo.sh BIN
# (the depc binary, built with the UI embedded). Needs /usr/bin/chromium:
# without it the run is skipped, unless DEPC_REQUIRE_SERVICES=1 (CI), where
# it fails.
set -euo pipefail
bin=${1:?usage: against-demo.sh path/to/depc}
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
cd "$(dirname "$0")/.."
if [ ! -x /usr/bin/chromium ]; then
	if [ "${DEPC_REQUIRE_SERVICES:-}" = 1 ]; then
		echo "ui e2e: /usr/bin/chromium is missing and DEPC_REQUIRE_SERVICES=1" >&2
		exit 1
	fi
	echo "ui e2e: skipped (/usr/bin/chromium not installed: apt-get install chromium)"
	exit 0
fi
data=$(mktemp -d)
out=$data/serve.out
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# Alerts every 2 s rather than every minute: the alerts scenario waits for one.
# The proxy scenario signs in as a proxy would (X-Remote-User from 127.0.0.1).
DEPC_ALERTS_INTERVAL=2s DEPC_ALERTS_POLL=1s DEPC_API_PROXY_AUTH_HEADER=X-Remote-User DEPC_API_PROXY_AUTH_TRUSTED=127.0.0.1 \
	"$bin" serve --demo --addr "127.0.0.1:$port" --data "$data/data" >"$out" 2>"$data/serve.err" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 1 300); do
	grep -q 'ready at' "$out" 2>/dev/null && break
	kill -0 $pid 2>/dev/null || { echo "ui e2e: depc serve --demo exited:" >&2; cat "$data/serve.err" >&2; exit 1; }
	sleep 0.2
done
grep -q 'ready at' "$out" || { echo "ui e2e: depc did not get ready" >&2; tail -20 "$data/serve.err" >&2; exit 1; }
token=$(grep -o 'depc_[A-Za-z0-9_-]*' "$out" | head -1)
DEPC_E2E_URL="http://127.0.0.1:$port" DEPC_E2E_TOKEN="$token" DEPC_E2E_TEAM=acme npm run -s e2e
