// Package consumer turns ingestion messages (spec/messages.md) into graph
// events: the decoder shared by Kafka and HTTP, and the Kafka consumer.
//
// # Decoding
//
// Decode validates one message (nested, flat, or wrapped in a "metadata"
// envelope) and appends its depc.Event values; DecodeBody does the same
// for an HTTP body holding one message, a JSON array, or NDJSON, and says
// which messages were rejected by index. A message is all or nothing; its
// rejection is a *depc.Error whose message names the field
// ("target.label: must match ^[A-Z]+[a-zA-Z0-9]*$"). The decoder is a
// strict hand-written JSON scanner rather than encoding/json into
// map[string]any: it sits on the hot path, and it is checked against an
// encoding/json reference by FuzzDecode.
//
// # Consuming
//
// A Consumer joins one consumer group over the team topics
// ("<prefix>.<team>", listed from the broker every TopicRefresh) and reads
// every assigned partition. Records are processed in batches: the records
// of each team are decoded and their events written in one
// GraphStore.Apply; invalid records, and the records of a team that does
// not exist, are produced to the dead-letter topic "<topic>.dlq" (original
// key, value and headers, plus depc-error and the record's origin) and
// recorded as the team's recent rejections; only then are the batch's
// offsets committed. Delivery is at least once: a batch interrupted before
// its commit is read again, which the idempotent Apply makes harmless. A
// graph store, state store or broker that fails is retried with capped
// exponential backoff; nothing is skipped. Replay re-publishes a
// dead-letter topic to its team topic once the cause is fixed.
//
// Metrics (depc_consumer_*): records_total{team}, rejected_total{team,
// reason}, batch_write_seconds, retries_total{stage}, commit_errors_total,
// lag{topic,partition}.
package consumer
