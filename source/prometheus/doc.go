// Package prometheus is the source that reads measurements from the
// Prometheus HTTP API (and the compatible APIs of Thanos, Mimir and
// VictoriaMetrics) with client_golang's api/prometheus/v1.
//
// A check's query is PromQL that describes one indicator for every node of a
// label; depc restricts it to nodes by adding the matcher
// <label>="<node name>" (parameters.label, default "name") to every series
// selector of the parsed query — never by pasting strings. To fetch the
// leaves of a run in few queries, Fetch asks for many nodes at once with one
// regexp matcher <label>=~"n1|n2|…" (names regexp-quoted, batches bounded by
// max_query_bytes and max_names_per_query) and splits the answer by the
// label's value. Series without the label, or naming no node of the batch,
// are ignored.
//
// Batching is only correct if a node's result depends on its own series
// alone, so ValidateCheck rejects, when the check is saved, the queries that
// mix or drop nodes:
//
//   - an aggregation must keep the node label: avg by (name) (probe_rtt_ms),
//     max without (probe) (probe_rtt_ms); not avg(probe_rtt_ms);
//   - a vector match must include it: a - on(name) group_left b, or
//     ignoring(...) without it; not on() or on(job);
//   - label_replace and label_join must not write it, count_values must not
//     write into it, absent() and scalar() of series are refused;
//   - the query must be an instant vector, select at least one series, and
//     not match on the node label itself (depc adds that matcher).
//
// Time: a check is evaluated with range queries at its step (default 60 s)
// over [w.Start − lookback, w.End) with lookback default 300 s, rounded up
// to whole steps so that w.Start is an evaluation instant. A range query's
// end is inclusive and a window's is not, so the last instant asked for is
// the last one before w.End. Each evaluation instant takes the latest sample
// within the server's own lookback delta (5 min by default): for samples on
// the step grid, points are the samples themselves. Ranges longer than
// Prometheus' 11 000 points per series are split into several queries and
// joined.
//
// Errors: a query the server refuses (bad_data, execution) is EINVALID with
// the server's message (cut to 300 bytes), naming parameters.query; an
// unreachable server, an HTTP error, a timeout or an unexpected answer is
// EUNAVAILABLE naming the server's URL with the status and a short message
// of ours: what the server answered goes to the log of the outbound guard,
// never to API users, since a source's URL may point at anything. A
// failing batch is reported for each of its nodes while the other batches
// go on.
//
// Every source checks its URL with its outbound guard (NewPlugin, WithGuard)
// and connects through the guard's transport; its credentials and headers
// go to the configured host only, not to where a redirect points.
package prometheus
