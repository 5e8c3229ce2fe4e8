// Package api is the REST API of depc (echo/v4), with access control and
// its OpenAPI document.
package api
