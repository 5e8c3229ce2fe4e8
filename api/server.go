package api

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"log/slog"
	"net/http"
	"time"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/compute"
	"github.com/depc-dev/depc/limits"
	"github.com/depc-dev/depc/objective"
	"github.com/depc-dev/depc/source/outbound"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Config holds the API's settings.
type Config struct {
	// BodyLimit bounds request bodies, MessagesBodyLimit those of POST
	// /messages (defaults 1 MiB and 16 MiB).
	BodyLimit, MessagesBodyLimit int64
	// Decimals is how QoS values are rounded in answers (default 3).
	Decimals int
	// MetricsToken, when set, is required as a bearer token on /metrics.
	MetricsToken string
	// AuthCacheTTL is how long who a token belongs to, a user's role in a
	// team and a team are remembered (default DefaultAuthCacheTTL;
	// negative: not at all). Grants changed through this server apply at
	// once; changes made by another process within the TTL.
	AuthCacheTTL time.Duration
	// ProxyAuth, when its header is set, signs in the user a trusted
	// reverse proxy names in that header (docs/security.md).
	ProxyAuth ProxyAuth
}

// Runs queues computations (the scheduler).
type Runs interface {
	// Enqueue queues a run of the team for the days, in order.
	Enqueue(ctx context.Context, team string, days []string) (depc.Run, error)
	// Wait returns the run once it has finished, or ctx's error.
	Wait(ctx context.Context, team string, id int64) (depc.Run, error)
}

// State is what the API needs of the state store: every part, since it
// serves them all, and Ping for /readyz; not Close, which belongs to
// whoever opened the store.
type State interface {
	depc.TeamStore
	depc.AccountStore
	depc.RejectionStore
	depc.CatalogStore
	depc.VariableStore
	depc.RunStore
	depc.ResultStore
	depc.ObjectiveStore
	depc.MaintenanceStore
	depc.AnnotationStore
	depc.AlertStore
	depc.AuditStore
	depc.NewsStore
	depc.SharedSourceStore
	Ping(ctx context.Context) error
}

// Deps are what the API serves from.
type Deps struct {
	Graph    depc.GraphStore
	State    State
	Computer *compute.Computer
	Runs     Runs
	// Budgets computes error budgets (optional: from State, measuring
	// today with Computer).
	Budgets *objective.Budgets
	// Plugins are the source plugins (source/plugins.All in cmd/depc):
	// they open sources to validate them and their checks on save, name
	// the secrets masked in answers, and are listed by GET /plugins.
	Plugins depc.SourcePlugins
	// Outbound checks the URLs of alert receivers as the sources' guard
	// checks theirs (optional: the default policy).
	Outbound *outbound.Guard
	// UI serves the web app at / (optional).
	UI http.Handler
	// Gatherer serves /metrics (optional: prometheus.DefaultGatherer).
	Gatherer prometheus.Gatherer
	// Registerer receives the API's own metrics (optional).
	Registerer prometheus.Registerer
	// Ready reports whether the stores answer (/readyz); nil pings Graph
	// and State.
	Ready func(ctx context.Context) error
	// Limits enforces the per-team limits on POST /messages and gives the
	// defaults of GET /limits (optional: no limits).
	Limits *limits.Guard
	// Degraded lists what works only in part, one sentence each (a Kafka
	// partition the consumer holds back): /readyz reports them under
	// "degraded" and stays ready, since everything else works (optional).
	Degraded func() []string
	Logger   *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Server is the HTTP API. Create it with New; it is an http.Handler.
type Server struct {
	cfg  Config
	deps Deps
	log  *slog.Logger
	now  func() time.Time
	e    *echo.Echo
	auth *authCache
	// budgets is Deps.Budgets or its default.
	budgets *objective.Budgets
	// outbound is Deps.Outbound or the default guard.
	outbound *outbound.Guard
	// openAPIDoc is the document GET /openapi.json serves.
	openAPIDoc []byte

	requests *prometheus.HistogramVec
	// domain is the /metrics collector of the domain's figures (nil
	// without Deps.Registerer).
	domain *domainMetrics
}

// New returns the API server with every route registered.
func New(cfg Config, deps Deps) *Server {
	s := newServer(cfg, deps)
	s.openAPIDoc = document(deps.Plugins)
	s.register()
	if deps.Registerer != nil && deps.State != nil {
		// The domain's figures belong to the API process: the other
		// processes (consume, schedule) export only their own.
		dm := newDomainMetrics(deps.State, s.budgets, s.now, s.log)
		if err := deps.Registerer.Register(dm); err != nil {
			s.log.Warn("domain metrics not registered", "error", err)
		} else {
			s.domain = dm
		}
	}
	return s
}

// WarmMetrics starts computing the domain's figures that /metrics exports
// (label QoS, budgets, last runs) in the background, so that the first
// scrape after the process starts is served from memory like the next
// ones; a scrape that arrives before they are ready waits for them. A
// process serving the API calls it once it listens; without it the first
// scrape computes them. The channel is closed once they are ready.
func (s *Server) WarmMetrics(ctx context.Context) <-chan struct{} {
	if s.domain == nil {
		return closed
	}
	return s.domain.warm(ctx)
}

// Probes returns a handler of /healthz, /readyz and /metrics alone, with
// the API's answers: what a process without the API (`depc consume`, `depc
// schedule`) serves so that it is probed and scraped like the API is.
func Probes(cfg Config, deps Deps) http.Handler {
	s := newServer(cfg, deps)
	s.registerProbes()
	return s
}

// newServer returns a server with its settings and middleware, and no
// route.
func newServer(cfg Config, deps Deps) *Server {
	if cfg.BodyLimit <= 0 {
		cfg.BodyLimit = 1 << 20
	}
	if cfg.MessagesBodyLimit <= 0 {
		cfg.MessagesBodyLimit = 16 << 20
	}
	if cfg.Decimals == 0 {
		cfg.Decimals = 3
	}
	s := &Server{cfg: cfg, deps: deps, log: deps.Logger, now: deps.Now}
	if s.log == nil {
		s.log = newDiscardLogger()
	}
	if s.now == nil {
		s.now = time.Now
	}
	if cfg.AuthCacheTTL == 0 {
		cfg.AuthCacheTTL = DefaultAuthCacheTTL
	}
	s.cfg.AuthCacheTTL = cfg.AuthCacheTTL
	s.auth = newAuthCache(cfg.AuthCacheTTL, s.now)
	s.budgets = deps.Budgets
	if s.budgets == nil {
		var live objective.Live
		if deps.Computer != nil {
			live = deps.Computer
		}
		s.budgets = objective.New(deps.State, live)
		s.budgets.Now = s.now
	}
	s.outbound = deps.Outbound
	if s.outbound == nil {
		s.outbound = outbound.Default()
	}
	if s.deps.Gatherer == nil {
		s.deps.Gatherer = prometheus.DefaultGatherer
	}
	s.requests = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "depc_api_request_duration_seconds",
		Help:    "Duration of API requests by route and status.",
		Buckets: []float64{.001, .0025, .005, .01, .02, .05, .1, .25, .5, 1, 2.5, 10},
	}, []string{"method", "route", "status"})
	if deps.Registerer != nil {
		if err := deps.Registerer.Register(s.requests); err != nil {
			s.log.Warn("api metrics not registered", "error", err)
		}
	}

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.errorHandler
	// Route on the escaped path, always: a node name may hold "/" (sent as
	// %2F), and handlers unescape every path parameter exactly once.
	e.Pre(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			u := c.Request().URL
			u.RawPath = u.EscapedPath()
			return next(c)
		}
	})
	e.Use(middleware.RequestID())
	e.Use(middleware.Recover())
	e.Use(s.observe)
	s.e = e
	return s
}

// ServeHTTP serves the API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.e.ServeHTTP(w, r) }

// observe logs each request with its id and records its duration.
func (s *Server) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		status := c.Response().Status
		route := c.Path()
		if route == "" {
			route = "unmatched"
		}
		s.requests.WithLabelValues(c.Request().Method, route, http.StatusText(status)).Observe(time.Since(start).Seconds())
		s.log.Debug("request", "request_id", c.Response().Header().Get(echo.HeaderXRequestID),
			"method", c.Request().Method, "path", c.Request().URL.Path, "status", status,
			"duration", time.Since(start))
		return nil
	}
}

func (s *Server) metricsHandler() echo.HandlerFunc {
	h := promhttp.HandlerFor(s.deps.Gatherer, promhttp.HandlerOpts{})
	return func(c echo.Context) error {
		if s.cfg.MetricsToken != "" && !sameSecret(bearer(c.Request()), s.cfg.MetricsToken) {
			return depc.Errorf(depc.EUNAUTHORIZED, "a bearer token is required for /metrics")
		}
		h.ServeHTTP(c.Response(), c.Request())
		return nil
	}
}

func (s *Server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 5*time.Second)
	defer cancel()
	var err error
	if s.deps.Ready != nil {
		err = s.deps.Ready(ctx)
	} else if err = s.deps.State.Ping(ctx); err == nil {
		err = s.deps.Graph.Ping(ctx)
	}
	var degraded []string
	if s.deps.Degraded != nil {
		degraded = s.deps.Degraded()
	}
	if err != nil {
		return c.JSON(http.StatusServiceUnavailable, readiness{Status: "unavailable", Error: depc.ErrorMessage(err), Degraded: degraded})
	}
	return c.JSON(http.StatusOK, readiness{Status: "ready", Degraded: degraded})
}

// readiness is the body of /readyz.
type readiness struct {
	Status   string   `json:"status"`
	Error    string   `json:"error,omitempty"`
	Degraded []string `json:"degraded,omitempty"`
}

// sameSecret compares two secrets in time independent of their contents
// (their SHA-256s have one length whatever theirs).
func sameSecret(a, b string) bool {
	ha, hb := sha256.Sum256([]byte(a)), sha256.Sum256([]byte(b))
	return subtle.ConstantTimeCompare(ha[:], hb[:]) == 1
}
