// Package outbound guards the HTTP requests that sources send on behalf of
// teams. A team's manager chooses a source's URL, and the server then
// connects there, so without a guard any manager could make the server
// read its cloud metadata service (credentials), or any internal address,
// and show the answer to the team (server-side request forgery).
//
// A Guard is built once from the server configuration and given to every
// source plugin (source/plugins builds the list with it); a plugin checks
// each URL it is configured with (CheckURL) and sends its requests through
// the Guard's Transport. The rules:
//
//   - URLs are http or https, without credentials;
//   - link-local addresses (169.254.0.0/16, fe80::/10) and the cloud
//     metadata services (fd00:ec2::254, 100.100.100.200,
//     metadata.google.internal, …) are refused by default;
//   - when the configuration has an allow-list (host names, "*.domain",
//     CIDRs), only what it lists may be reached, and it may re-open a
//     refused address by naming it;
//   - the address is checked again when connecting, after name resolution
//     (a net.Dialer Control sees the IP actually dialled), so a name that
//     resolves, or later re-resolves, to a refused address is refused too.
//
// Behind an HTTP proxy (HTTP_PROXY, HTTPS_PROXY) the connection goes to the
// proxy: the Guard then resolves the target's name itself and checks the
// addresses before handing the request to the proxy, which must not be
// open to what the Guard refuses.
//
// A plugin never shows what a remote server answered to API users: only a
// status and a short message of its own. The body goes to the Guard's Log.
package outbound
