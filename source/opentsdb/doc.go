// Package opentsdb is the source that reads OpenTSDB 2.x (the original
// DepC's OpenTSDB source) over its HTTP /api/query API.
//
// A check's query is what the original DepC's checks held: one OpenTSDB
// sub-query, a JSON object with metric and aggregator, and optionally
// downsample, tags, filters, rate, rateOptions and explicitTags:
//
//	{"metric": "probe.rtt_ms", "aggregator": "max", "downsample": "1m-max",
//	 "tags": {"probe": "*"}}
//
// depc sets the time range, asks for timestamps in seconds and no
// annotations; other fields are refused. The node's name goes in as a
// filter on the tag holding it: parameters.label names that tag (default
// "name"), or the query says which, with the placeholder $name as the tag's
// value ("tags": {"host": "$name"}, or a literal_or filter "$name", the form
// a migrated DepC check takes where it wrote {{ depc.name }}); no other tag
// or filter of the query may select on the node tag.
//
// Batches: to fetch the leaves of a run in few queries, Fetch asks for many
// nodes at once, adding a filter grouped by the node tag so that nodes never
// mix, and splits the answer by the tag's value. The filter is literal_or,
// the names joined by |: the server resolves each to its UID and HBase
// skips the other nodes' rows. Two things literal_or cannot do: take a name
// holding | (the separator), and take a name the server has never stored,
// which fails the whole query ("No such name for 'tagv'") unless the server
// sets tsd.query.skip_unresolved_tagvs. For those batches the filter is a
// regular expression instead, \A(?:n1|n2|…)\z in which every character but
// letters, digits, '_' and '-' is written \x{…} (Java's syntax), so that no
// name means anything but itself: the first when a name holds |, the second
// after the server named one of the batch's names as unknown. Batches are
// bounded by max_query_bytes (default 8 KiB: a TSD refuses a larger body
// unless tsd.http.request.enable_chunked is on) and max_names_per_query.
//
// Time: a check reads [w.Start − lookback, w.End) (lookback default 300 s):
// the raw points, or the buckets of the downsample; its step means nothing
// here. Each series of the answer is a depc.Series labelled by its tags plus
// _metric. Numbers are values; null and "NaN" (empty buckets, by the
// downsample's fill policy) are no point.
//
// Answers are decoded one series at a time (a JSON array of series), and an
// answer larger than max_response_bytes (default 64 MiB) is refused: an
// error naming the setting, not a full memory.
//
// Errors: a query the server refuses is EINVALID naming the field it is
// about (parameters.query.metric for an unknown metric, parameters.label for
// an unknown node tag, parameters.query.aggregator, else parameters.query)
// with OpenTSDB's message; a body over the server's limit is EINVALID naming
// configuration.max_query_bytes. Refused credentials (OpenTSDB has none of
// its own: a proxy in front of it), an unreachable server, an HTTP error, a
// timeout or a malformed answer is EUNAVAILABLE naming the server's URL with
// the status and a hint of ours. Nothing else the server answered is shown:
// a source's URL may point anywhere (docs/security.md), so the body goes to
// the outbound guard's log. The guard also checks the URL and every
// connection. A failing batch is reported for each of its nodes while the
// other batches go on.
package opentsdb
