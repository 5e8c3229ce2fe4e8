// Package consumer is the Kafka consumer: it reads ingestion messages
// (spec/messages.md) from the team topics, decodes them with package
// message (the decoder the HTTP endpoint uses too) and writes their graph
// events.
//
// A Consumer joins one consumer group over the team topics
// ("<prefix>.<team>", listed from the broker every TopicRefresh) and reads
// every assigned partition. Records are processed in batches: the records
// of each team are decoded and their events written in one
// GraphStore.Apply; invalid records, and the records of a team that does
// not exist, are produced to the dead-letter topic "<topic>.dlq" (original
// key, value and headers, plus depc-error and the record's origin) and
// recorded as the team's recent rejections; only then are the batch's
// offsets committed. When the group rebalances, the batch being written is
// finished and committed in its generation before the partitions go to
// another member (the writer is one of the generation's goroutines), so a
// record is applied once. Delivery is still at least once when a process
// dies or stops in the middle of a batch, or a write outlasts the group's
// rebalance timeout: the batch is read again, which the idempotent Apply
// makes harmless. A
// graph store, state store or broker that fails is retried with capped
// exponential backoff; nothing is skipped. Replay re-publishes a
// dead-letter topic to its team topic once the cause is fixed.
//
// Dead letters never stall the other partitions (deadletter.go,
// pause.go): a copy larger than DeadLetterMaxBytes is cut to fit, with
// headers for the original size and SHA-256; a dead-letter topic that
// refuses records (an ACL, a size limit) is tried DeadLetterAttempts
// times, then only the partitions of the refused records pause, from the
// first such record, and try again every MaxBackoff until the topic takes
// them. Consumer.Paused lists them (for /readyz).
//
// With Config.Limits, the per-team limits hold (package limits): a record
// over the team's message size, or one that would add a label or a node
// beyond its limits, is rejected (reasons too_large and limit, the
// depc-error naming the limit); a team over its messages per second has
// its partitions paused like above, not listed, until the rate allows:
// its records wait in Kafka, none is rejected.
//
// Metrics (depc_consumer_*): records_total{team}, rejected_total{team,
// reason}, batch_write_seconds, retries_total{stage}, commit_errors_total,
// lag{topic,partition}, paused{topic,partition},
// dead_letters_cut_total{team}, throttled_total{team}.
package consumer
