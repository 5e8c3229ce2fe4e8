// Package influxdb is the source that reads measurements from InfluxDB 1.x
// with InfluxQL over its HTTP /query API (also served, for v1
// compatibility, by InfluxDB 2.x and InfluxDB Cloud).
//
// A check's query is one InfluxQL SELECT that describes an indicator for
// every node; parameters.label names the tag holding the node name (default
// "name"). The node goes into the query in one of two ways, never by pasting
// text:
//
//   - the query says where, with the placeholder $name compared with the
//     tag: SELECT mean("usage_idle") FROM "cpu" WHERE "host" = $name GROUP BY
//     time(1m). The tag compared is the node tag (parameters.label, when
//     given, must be the same);
//   - the query has no placeholder, and depc adds "<label>" = <node> to the
//     condition of every SELECT that reads a measurement.
//
// The query is parsed (github.com/influxdata/influxql), the comparisons are
// rewritten in the syntax tree and the tree is printed, so names are quoted
// by the InfluxQL printer: a string literal for one node, and for a batch of
// nodes an anchored regular expression in which every character but ASCII
// letters, digits, '_' and '-' is written \x{…}. To fetch the leaves of a
// run in few queries, Fetch asks for many nodes at once ("host" =~
// /^(?:n1|n2|…)$/; batches bounded by max_query_bytes and
// max_names_per_query), groups every SELECT by the node tag so that nodes
// never mix, and splits the answer by the tag's value. Series without the
// tag, or naming no node of the batch, are ignored.
//
// ValidateCheck refuses, when the check is saved: anything but one SELECT;
// SELECT … INTO (it writes); SLIMIT and SOFFSET (which series are kept would
// depend on the other nodes of a batch); conditions on time (depc sets the
// range); the placeholder anywhere but in "<tag>" = $name, or compared with
// two tags; other bind parameters. Queries are sent with GET, which InfluxDB
// 1.x serves for read statements only.
//
// Time: a check reads [w.Start − lookback, w.End) (lookback default 300 s),
// the raw points of the query or the buckets of its GROUP BY time(); its
// step means nothing here. Times are asked in whole seconds (epoch=s); of
// several points in one second the last counts, as qos.Engine.Indicator
// counts them. Each value column of a series (each field or function
// selected) is a depc.Series of its own, labelled by the series' tags plus
// _measurement and _field. Numbers are values, booleans are 1 and 0, nulls
// (empty buckets) are no point; a string column is an error naming it.
//
// Answers are read in chunks (chunked=true) so memory holds one chunk's
// JSON at a time, and an answer larger than max_response_bytes (default 64
// MiB) is refused: an error naming the setting, not a full memory.
//
// Errors: a query the server refuses is EINVALID naming parameters.query
// with InfluxDB's message about it; an unknown database or retention policy
// is EINVALID naming configuration.database or .retention_policy; refused
// credentials, an unreachable server, an HTTP error, a timeout or a
// malformed answer is EUNAVAILABLE naming the server's URL with the status
// and a hint of ours. Nothing else the server answered is shown: a source's
// URL may point anywhere (docs/security.md), so the body goes to the
// outbound guard's log. The guard also checks the URL and every connection.
// A failing batch is reported for each of its nodes while the other batches
// go on.
package influxdb
