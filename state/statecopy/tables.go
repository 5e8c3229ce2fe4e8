package statecopy

// kind is how a column's values are stored by each backend, and what the
// copy holds of them (the canonical value).
type kind int

const (
	kInt       kind = iota // int64 (SQLite INTEGER; PostgreSQL bigint or integer)
	kIntNull               // *int64
	kFloat                 // float64
	kFloatNull             // *float64
	kText                  // string
	kTextNull              // *string
	kBytes                 // []byte (BLOB; bytea)
	kTextBytes             // []byte (SQLite TEXT of any bytes; bytea)
	kBool                  // bool (SQLite 0 or 1; boolean)
	kDay                   // "YYYY-MM-DD" (SQLite days since 1970-01-01; date)
	kTextList              // []string (SQLite JSON array; text[])
	kDowntime              // []int64 [from0, to0, …], nil for none (SQLite sqlite.EncodeDowntime; bigint[])
	kChildren              // []string [label0, name0, …], nil for none (SQLite sqlite.EncodeChildren; text[])
)

type column struct {
	name string
	kind kind
}

// table is one table copied: its columns in both backends (beyond them,
// see sqliteOnly and postgresOnly), and what its id needs.
type table struct {
	name string
	cols []column
	// identity is set for a table whose id column PostgreSQL generates
	// (GENERATED ALWAYS AS IDENTITY): its sequence is set past the ids
	// copied.
	identity bool
	// counter is set for a table whose ids are never reused (SQLite
	// AUTOINCREMENT): the highest id ever given is copied too, not only
	// the highest left.
	counter bool
}

func cols(spec ...any) []column {
	out := make([]column, 0, len(spec)/2)
	for i := 0; i < len(spec); i += 2 {
		out = append(out, column{spec[i].(string), spec[i+1].(kind)})
	}
	return out
}

// tables are the tables copied, in an order that loads every row after
// the rows it references.
var tables = []table{
	{name: "team", identity: true, cols: cols("id", kInt, "name", kText, "timezone", kText, "created_at", kInt, "limits", kText)},
	{name: "account", identity: true, cols: cols("id", kInt, "name", kText, "admin", kBool, "created_at", kInt)},
	{name: "api_token", identity: true, cols: cols("id", kInt, "account_id", kInt, "name", kText, "hash", kBytes, "created_at", kInt, "expires_at", kInt)},
	{name: "setting", cols: cols("key", kText, "value", kBytes)},
	{name: "team_grant", cols: cols("team_id", kInt, "user_id", kInt, "role", kText)},
	{name: "rejection", identity: true, cols: cols("id", kInt, "team_id", kInt, "at", kInt, "source", kText, "error", kTextBytes, "message", kTextBytes)},
	{name: "shared_source", cols: cols("name", kText, "plugin", kText, "configuration", kBytes, "description", kText, "enforce", kText)},
	{name: "source", cols: cols("team_id", kInt, "name", kText, "plugin", kText, "configuration", kBytes)},
	{name: "indicator", cols: cols("team_id", kInt, "name", kText, "source", kText, "type", kText, "parameters", kBytes)},
	{name: "rule", cols: cols("team_id", kInt, "name", kText)},
	{name: "rule_indicator", cols: cols("team_id", kInt, "rule", kText, "position", kInt, "indicator", kText)},
	{name: "variable_set", cols: cols("team_id", kInt, "scope", kText, "owner", kText, "variables", kText)},
	{name: "config", cols: cols("team_id", kInt, "id", kInt, "created_at", kInt, "doc", kBytes, "rules", kTextList)},
	{name: "run", cols: cols("team_id", kInt, "id", kInt, "days", kTextList, "status", kText, "created_at", kInt,
		"started_at", kIntNull, "finished_at", kIntNull, "nodes", kInt, "errors", kText, "progress", kFloat)},
	{name: "run_day", cols: cols("team_id", kInt, "run_id", kInt, "pos", kInt, "day", kText, "state", kText,
		"owner", kTextNull, "claim", kInt, "expires", kIntNull, "interruptions", kInt)},
	{name: "lease", cols: cols("name", kText, "owner", kText, "expires", kInt)},
	{name: "label", identity: true, cols: cols("id", kInt, "name", kText)},
	{name: "result_day", cols: cols("team_id", kInt, "day", kDay, "computed_at", kInt)},
	{name: "node_result", cols: cols("team_id", kInt, "day", kDay, "label_id", kInt, "name", kText, "qos", kFloatNull,
		"ok", kIntNull, "ko", kIntNull, "unknown", kIntNull, "downtime", kDowntime, "children", kChildren)},
	{name: "label_result", cols: cols("team_id", kInt, "label_id", kInt, "day", kDay, "qos", kFloatNull, "nodes", kInt)},
	{name: "worst_node", cols: cols("team_id", kInt, "label_id", kInt, "day", kDay, "rank", kInt, "name", kText, "qos", kFloat)},
	{name: "objective", cols: cols("team_id", kInt, "label", kText, "name", kText, "target", kFloat, "window_kind", kText)},
	{name: "maintenance", identity: true, counter: true, cols: cols("id", kInt, "team_id", kInt, "label", kText, "name", kText,
		"from_at", kInt, "to_at", kInt, "reason", kText, "created_at", kInt)},
	{name: "annotation", identity: true, counter: true, cols: cols("id", kInt, "team_id", kInt, "label", kText, "name", kText,
		"from_at", kInt, "to_at", kInt, "text", kText, "author", kText, "created_at", kInt, "updated_by", kText, "updated_at", kInt)},
	{name: "alert_receiver", cols: cols("team_id", kInt, "name", kText, "type", kText, "url", kText, "secret", kText)},
	{name: "alert_state", cols: cols("team_id", kInt, "id", kText, "seq", kInt, "firing", kBool, "starts_at", kInt,
		"ends_at", kInt, "labels", kText, "annotations", kText)},
	{name: "alert_delivery", identity: true, cols: cols("id", kInt, "team_id", kInt, "receiver", kText, "alert_id", kText,
		"seq", kInt, "slot", kInt, "alert", kText, "status", kText, "attempts", kInt, "last_error", kText, "created_at", kInt,
		"next_attempt_at", kInt, "delivered_at", kInt, "claimed_by", kText, "claimed_until", kInt)},
	{name: "audit", identity: true, counter: true, cols: cols("id", kInt, "at", kInt, "team_id", kIntNull, "team", kText, "actor", kText,
		"action", kText, "target", kText, "status", kInt, "before", kBytes, "after", kBytes)},
	{name: "news", identity: true, counter: true, cols: cols("id", kInt, "title", kText, "text", kText, "author", kText,
		"created_at", kInt, "updated_at", kInt)},
}

// Tables and columns that are not copied, and why.
var (
	// notCopied are the tables of one backend or both that hold nothing
	// to copy: the schema's version (the target has its own, the same),
	// SQLite's AUTOINCREMENT counters (copied as each table's counter) and
	// the SQLite cache of a label's seconds per day (built again from
	// node_result at its first read).
	notCopied = map[string]bool{"schema_version": true, "sqlite_sequence": true, "label_seconds": true}
	// sqliteOnly are columns of SQLite alone: account.token_hash, left by
	// the move of tokens to api_token (SQLite cannot drop a UNIQUE
	// column), filled with random bytes.
	sqliteOnly = map[string][]string{"account": {"token_hash"}}
	// postgresOnly are columns of PostgreSQL alone: the generation of a
	// day's results (only the generation readers see is copied, as the
	// first).
	postgresOnly = map[string][]string{"result_day": {"gen"}, "node_result": {"gen"}}
)
