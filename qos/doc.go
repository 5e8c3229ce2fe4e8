// Package qos is the pure QoS engine of depc: timelines (OK/KO/UNKNOWN
// intervals over a half-open window), period sets, indicator evaluation
// (datapoints to timeline), rules, the operations AND/OR/ATLEAST/RATIO as an
// exact interval sweep, the aggregations AVERAGE/MIN/MAX, the config
// expression language and root-cause attribution. It imports only the
// standard library: no I/O, no clock, no logging.
package qos
