// Package httpsource is what the sources that read an HTTP API share
// (source/prometheus, source/influxdb, source/opentsdb, source/warp10): the
// common settings of their configurations (url, timeout, headers,
// basic_auth) decoded and checked the same way, the client that sends
// their requests through the outbound guard with the configured headers,
// the bounded reader of answers, and the mapping of a failed request to a
// short message of ours.
//
// A source never shows what a remote server answered to API users (see
// source/outbound): the errors built here hold the source's kind, its
// redacted URL and a few fixed words; what the server said goes to the
// guard's log.
package httpsource
