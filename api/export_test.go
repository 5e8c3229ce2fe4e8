package api

// RouteInfo is a route of apiRoutes as the black-box tests see it: its
// method, its path in echo's syntax relative to Base (":team"), and the
// access it needs ("public", "any user", "admin", "viewer", "editor",
// "manager").
type RouteInfo struct {
	Method, Path, Access string
}

// Routes returns apiRoutes, for the tests that walk every route.
func Routes() []RouteInfo {
	out := make([]RouteInfo, len(apiRoutes))
	for i, r := range apiRoutes {
		out[i] = RouteInfo{Method: r.method, Path: r.path, Access: r.access.String()}
	}
	return out
}
