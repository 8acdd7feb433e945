// Package server is Tumble's long-running server: the engine with a
// persistent catalog (a replayable command log under the data directory)
// and its HTTP API — ksqlDB's REST endpoints (/ksql, /query, /query-stream,
// /info, /healthcheck), Tumble's own (/v1/statements, /v1/query,
// /v1/jobs, /v1/catalog, /v1/topics, /v1/tables/{name}/live, /metrics), and
// the web console at / (package console).
//
// Statements that change the catalog or the jobs run one at a time and are
// appended to the command log before they are answered; on start the log
// is replayed, so tables, streams, views and running jobs survive a
// restart, each job under its old id and so from its last checkpoint.
package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/tumble/tumble/connectors/all"
	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/planner"
	"github.com/tumble/tumble/server/console"
	"github.com/tumble/tumble/session"
)

// Version is the server version /info reports.
const Version = "0.1.0"

// Config configures a server.
type Config struct {
	// Bootstrap is the default Kafka bootstrap servers of tables and
	// streams that do not name their own.
	Bootstrap string
	// KafkaProperties are the cluster's client security properties in
	// Kafka's names (security.protocol, sasl.*, ssl.*), for every table and
	// stream that sets none of its own, as ksqlDB's server configuration.
	KafkaProperties map[string]string
	// DataDir keeps the command log (DataDir/catalog.log) and the job
	// checkpoints (DataDir/jobs/<id>). Required.
	DataDir string
	// Log receives the server's log; slog.Default() when nil.
	Log *slog.Logger
	// Out receives the rows of 'print' sinks; os.Stdout when nil.
	Out io.Writer
	// KafkaClusterID is reported by /info.
	KafkaClusterID string
	// ServiceID is ksqlDB's ksql.service.id, reported by /info
	// ("default_" when empty).
	ServiceID string
	// MaxBodyBytes limits request bodies (1 MiB when 0).
	MaxBodyBytes int64
	// Registry holds the connectors; connectors/all when nil.
	Registry *engine.Registry
	// Users, when set, are the USER -> PASSWORD pairs HTTP basic auth
	// accepts; every endpoint but /healthcheck then requires it.
	Users map[string]string
	// TLSCertFile and TLSKeyFile, when set, make Serve answer HTTPS.
	TLSCertFile, TLSKeyFile string
	// Catalog and Jobs, when set (both), are the caller's: `tumble run
	// --ui` and `tumble demo` serve the console over their own jobs. The
	// server then keeps no command log (DataDir only holds the checkpoints
	// of jobs started through the API, and may be empty) and Close leaves
	// the jobs to the caller.
	Catalog *planner.Catalog
	Jobs    *session.JobManager
}

// Server runs the engine and serves the HTTP API. Create it with New,
// serve with Serve, stop with Close. Its methods are safe for concurrent
// use.
type Server struct {
	cfg   Config
	log   *slog.Logger
	reg   *engine.Registry
	inert *engine.Registry
	cat   *planner.Catalog
	jobs  *session.JobManager
	clog  *commandLog

	// cmdLock serializes statements (see exec.go).
	cmdLock chan struct{}

	// ctx ends with Close: requests (streaming ones included) and job
	// watchers stop. Jobs run under jobsCtx, which ends after they are
	// checkpointed and stopped.
	ctx      context.Context
	cancel   context.CancelFunc
	jobsCtx  context.Context
	stopJobs context.CancelFunc
	wg       sync.WaitGroup

	mux     *http.ServeMux
	handler http.Handler
	cop     *http.CrossOriginProtection
	// shared: the catalog and jobs are the caller's (Config.Jobs).
	shared  bool
	started time.Time

	mu        sync.Mutex
	https     []*http.Server
	closed    bool
	closeOnce sync.Once
	closeErr  error
}

// New opens the data directory, replays the command log (restarting the
// jobs it holds) and returns a server ready to Serve. Statements that fail
// on replay are logged and skipped.
func New(ctx context.Context, cfg Config) (*Server, error) {
	shared := cfg.Jobs != nil || cfg.Catalog != nil
	if shared && (cfg.Jobs == nil || cfg.Catalog == nil) {
		return nil, errors.New("server: a caller's catalog and jobs go together")
	}
	if cfg.DataDir == "" && !shared {
		return nil, errors.New("server: a data directory is required")
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Out == nil {
		cfg.Out = os.Stdout
	}
	if cfg.ServiceID == "" {
		cfg.ServiceID = "default_"
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 1 << 20
	}
	if (cfg.TLSCertFile == "") != (cfg.TLSKeyFile == "") {
		return nil, errors.New("server: TLS needs both a certificate and a key file")
	}
	if cfg.DataDir != "" {
		if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
			return nil, fmt.Errorf("server: %w", err)
		}
	}
	reg := cfg.Registry
	if reg == nil {
		reg = engine.NewRegistry()
		all.Register(reg, cfg.Out)
	}
	clog := memoryCommandLog(cfg.Log)
	if !shared {
		var err error
		if clog, err = openCommandLog(filepath.Join(cfg.DataDir, "catalog.log"), cfg.Log); err != nil {
			return nil, err
		}
	}
	s := &Server{
		cfg:     cfg,
		log:     cfg.Log,
		reg:     reg,
		inert:   inertRegistry(reg),
		cat:     planner.NewCatalog(),
		clog:    clog,
		cmdLock: make(chan struct{}, 1),
		started: time.Now(),
		cop:     http.NewCrossOriginProtection(),
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.jobsCtx, s.stopJobs = context.WithCancel(context.Background())
	if shared {
		s.cat, s.jobs, s.shared = cfg.Catalog, cfg.Jobs, true
		s.routes()
		return s, nil
	}
	s.jobs = session.NewJobManager(s.jobsCtx, cfg.Log)
	s.routes()
	if err := s.acquire(ctx); err != nil {
		s.shutdownJobs(context.Background())
		clog.Close()
		return nil, err
	}
	s.replay(ctx)
	s.release()
	return s, nil
}

// Handler returns the HTTP handler of the API.
func (s *Server) Handler() http.Handler { return s.handler }

// Jobs returns the server's job manager.
func (s *Server) Jobs() *session.JobManager { return s.jobs }

// Catalog returns the server's catalog.
func (s *Server) Catalog() *planner.Catalog { return s.cat }

// Serve answers requests on ln until Close. It returns nil after Close.
func (s *Server) Serve(ln net.Listener) error {
	hs := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return s.ctx },
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		ln.Close()
		return http.ErrServerClosed
	}
	s.https = append(s.https, hs)
	s.mu.Unlock()
	var err error
	if s.cfg.TLSCertFile != "" {
		err = hs.ServeTLS(ln, s.cfg.TLSCertFile, s.cfg.TLSKeyFile)
	} else {
		err = hs.Serve(ln)
	}
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Close shuts the server down: it stops accepting requests, ends streaming
// ones, stops every job (a clean stop takes a last checkpoint), and closes
// the command log. ctx bounds the wait for requests.
// Jobs keep their place in the command log, so New on the same directory
// restarts them.
func (s *Server) Close(ctx context.Context) error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		https := s.https
		s.mu.Unlock()
		s.cancel() // streaming handlers end; watchers stop
		var errs []error
		for _, hs := range https {
			if err := hs.Shutdown(ctx); err != nil {
				errs = append(errs, err)
				hs.Close()
			}
		}
		s.shutdownJobs(ctx)
		s.wg.Wait()
		if err := s.clog.Close(); err != nil {
			errs = append(errs, err)
		}
		s.closeErr = errors.Join(errs...)
	})
	return s.closeErr
}

// shutdownJobs stops every job; a clean stop takes a last checkpoint, so
// each job resumes exactly where it stopped.
func (s *Server) shutdownJobs(context.Context) {
	if !s.shared {
		s.jobs.StopAll()
	}
	s.stopJobs()
}

// routes registers the endpoints.
func (s *Server) routes() {
	m := http.NewServeMux()
	m.Handle("/ksql", methods{http.MethodPost: s.handleKSQL})
	m.Handle("/query", methods{http.MethodPost: s.handleQuery})
	m.Handle("/query-stream", methods{http.MethodPost: s.handleQueryStream})
	m.Handle("/info", methods{http.MethodGet: s.handleInfo})
	m.Handle("/healthcheck", methods{http.MethodGet: s.handleHealth})
	m.Handle("/v1/statements", methods{http.MethodPost: s.handleStatements})
	m.Handle("/v1/query", methods{http.MethodPost: s.handleV1Query})
	m.Handle("/v1/jobs", methods{http.MethodGet: s.handleJobs})
	m.Handle("/v1/jobs/{id}", methods{http.MethodGet: s.handleJob, http.MethodDelete: s.handleStopJob})
	m.Handle("/v1/catalog", methods{http.MethodGet: s.handleCatalog})
	m.Handle("/v1/tables/{name}/live", methods{http.MethodGet: s.handleLiveTable})
	m.Handle("/v1/topics", methods{http.MethodGet: s.handleTopics})
	m.Handle("/v1/topics/{name}", methods{http.MethodGet: s.handleTopic})
	m.Handle("/v1/topics/{name}/messages", methods{http.MethodGet: s.handleMessages, http.MethodPost: s.handleProduce})
	m.Handle("/v1/topics/{name}/tail", methods{http.MethodGet: s.handleTail})
	m.Handle("/metrics", methods{http.MethodGet: s.handleMetrics})
	ui := console.New()
	m.Handle("/{$}", methods{http.MethodGet: ui.ServeHTTP})
	m.Handle("/ui/", methods{http.MethodGet: ui.ServeHTTP})
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, http.StatusNotFound, fmt.Errorf("no such endpoint: %s %s", r.Method, r.URL.Path))
	})
	s.mux = m
	s.handler = s.guard(m)
}

// methods dispatches on the request method; others get 405.
type methods map[string]http.HandlerFunc

func (ms methods) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h, ok := ms[r.Method]; ok {
		h(w, r)
		return
	}
	if r.Method == http.MethodHead {
		if h, ok := ms[http.MethodGet]; ok {
			h(w, r)
			return
		}
	}
	allowed := make([]string, 0, len(ms))
	for m := range ms {
		allowed = append(allowed, m)
	}
	w.Header().Set("Allow", strings.Join(allowed, ", "))
	s := serverOf(r)
	s.fail(w, r, http.StatusMethodNotAllowed, fmt.Errorf("method %s is not allowed on %s (allowed: %s)", r.Method, r.URL.Path, strings.Join(allowed, ", ")))
}

type serverKey struct{}

func serverOf(r *http.Request) *Server { return r.Context().Value(serverKey{}).(*Server) }

// guard wraps every request: it limits the body, logs, and turns a panic
// into a 500 answer (the server goes on).
func (s *Server) guard(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rw := &recorder{ResponseWriter: w}
		r = r.WithContext(context.WithValue(r.Context(), serverKey{}, s))
		r.Body = http.MaxBytesReader(rw, r.Body, s.cfg.MaxBodyBytes)
		if !s.admit(rw, r) {
			return
		}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.log.Error("panic in a request handler", "method", r.Method, "path", r.URL.Path, "panic", p, "stack", string(debug.Stack()))
				if !rw.wrote {
					s.fail(rw, r, http.StatusInternalServerError, fmt.Errorf("internal error: %v", p))
				}
			}
			s.log.Debug("request", "method", r.Method, "path", r.URL.Path, "status", rw.status, "took", time.Since(start))
		}()
		h.ServeHTTP(rw, r)
	})
}

// recorder remembers whether and what a handler answered.
type recorder struct {
	http.ResponseWriter
	wrote  bool
	status int
}

func (r *recorder) WriteHeader(code int) {
	if !r.wrote {
		r.wrote, r.status = true, code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if !r.wrote {
		r.wrote, r.status = true, http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

func (r *recorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		r.wrote = true
		if r.status == 0 {
			r.status = http.StatusOK
		}
		f.Flush()
	}
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// writeJSON answers v as JSON with the given status.
func writeJSON(w http.ResponseWriter, status int, contentType string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"error":{"code":500,"message":"cannot encode the answer"}}`)
	}
	if contentType == "" {
		contentType = "application/json"
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	w.Write(b)
	w.Write([]byte("\n"))
}

// fail answers an error in the style of the endpoint: ksqlDB's error
// entity for the ksqlDB endpoints, Tumble's {"error": ...} for the others.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, status int, err error) {
	if strings.HasPrefix(r.URL.Path, "/v1/") || r.URL.Path == "/metrics" {
		writeJSON(w, status, "", v1ErrorBody(status, err, nil))
		return
	}
	code := status * 100
	writeJSON(w, status, ksqlContentType(r), ksqlGenericError{Type: "generic_error", ErrorCode: code, Message: err.Error()})
}

// decodeBody reads a JSON request body into v. It answers the error
// itself and returns false when the body is not acceptable.
func (s *Server) decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			s.fail(w, r, http.StatusRequestEntityTooLarge, fmt.Errorf("request body larger than %d bytes", tooBig.Limit))
			return false
		}
		s.fail(w, r, http.StatusBadRequest, fmt.Errorf("reading the request body: %v", err))
		return false
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		s.fail(w, r, http.StatusBadRequest, errors.New("empty request body; expected a JSON object"))
		return false
	}
	if err := json.Unmarshal(body, v); err != nil {
		s.fail(w, r, http.StatusBadRequest, fmt.Errorf("malformed JSON in the request body: %v", err))
		return false
	}
	return true
}

// properties turns a JSON object of properties into strings (ksqlDB
// clients send numbers and booleans too).
type properties map[string]any

func (p properties) strings() map[string]string {
	out := make(map[string]string, len(p))
	for k, v := range p {
		switch x := v.(type) {
		case string:
			out[k] = x
		case nil:
			out[k] = ""
		case float64, bool, json.Number:
			out[k] = fmt.Sprint(x)
		default:
			b, _ := json.Marshal(x)
			out[k] = string(b)
		}
	}
	return out
}
