// Package alert turns a team's objectives into alerts and delivers them
// (docs/alerts.md): to a Prometheus Alertmanager through its v2 API, and to
// webhooks as JSON signed with HMAC-SHA256.
//
// It is cut in three:
//
//   - Rules (rules.go) are pure: from a team's budgets (package objective)
//     and the seconds of its latest computed day, the alerts that should
//     fire — error budget burn over the multi-window burn rates of the SRE
//     workbook, and a day under target — each with its labels and
//     annotations. Everything there can be checked by hand.
//   - The Evaluator compares what should fire with the states the store
//     holds and records each change (depc.AlertStore.ChangeAlert): an
//     alert that starts firing, one that resolves. The store compares and
//     sets, so when several replicas evaluate the same team, one records
//     the change and queues one delivery per receiver; the others find the
//     change made. Firing alerts are queued again for Alertmanagers once a
//     refresh period (Alertmanager resolves an alert nobody repeats).
//   - The Dispatcher claims due deliveries from the store (a lease: no other
//     dispatcher sends them meanwhile), sends them, and records each attempt:
//     delivered, or retried with exponential backoff, or failed for good.
//
// Why the store and not the process decides what is sent: depc may run
// several schedulers against one PostgreSQL, and an alert must reach a
// receiver once, not once per replica. A dispatcher that dies mid-send
// loses its lease and another sends the delivery again: a receiver may see
// a delivery twice in that case (at least once), which Alertmanager absorbs
// (same labels, same alert) and webhooks can tell by the delivery id.
//
// Every request goes through the outbound guard of sources
// (source/outbound): a team's manager chooses the URLs, so the server must
// not be made to reach its cloud metadata service or what the allow-list
// excludes. What a receiver answers goes to the server log, never to API
// users: a delivery records only the status.
package alert
