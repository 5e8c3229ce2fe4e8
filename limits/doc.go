// Package limits enforces the per-team limits (depc.Limits) on ingestion,
// for the HTTP endpoint and the Kafka consumer of one process, so that no
// team can flood the graph store or the others' share of the process.
//
// A Guard knows each team's effective limits (the admin's overrides over
// the server's defaults, read from the state store and kept for a TTL)
// and checks, in this order:
//
//   - message size: a message over MessageBytes is rejected (ETOOLARGE,
//     naming the limit): CheckSize;
//   - rate: MessagesPerSecond is a token bucket that holds one second of
//     messages and may go into debt, so that a body or a batch larger than
//     a second's worth passes when the bucket is not empty and the next
//     ones wait until the debt is paid: Take;
//   - graph size: a message that would add a label beyond Labels, or a node
//     beyond Nodes, is rejected (ELIMIT, naming the limit): Admit.
//
// Admit counts a team's labels and nodes from GraphStore.Labels (the
// usage, kept for the TTL) and adds what it admits. While a batch
// clearly fits (its distinct nodes counted as new, the upper bound) no
// node is looked up; near a limit it reads the exact usage again and
// asks the graph store which of the batch's nodes exist (in one query
// when the store implements NodesExist), so that a team at its limit can
// still update the nodes it has. Limits hold per process: processes
// that ingest for the same team each count what they admit, and learn of
// the others' writes at the next refresh.
package limits
