// Package plugins is the one list of the source plugins depc knows. The
// store wiring of cmd/depc, the API (validation, secret masking, GET
// /plugins, the OpenAPI document's enum) and the UI all read it, so adding
// a source is one new package under source/ that defines its
// depc.SourcePlugin, plus one line in All.
//
// Only cmd/depc and tests import this package: the API and the
// computations take the list as a dependency.
package plugins
