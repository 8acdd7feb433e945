package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/types"
	"github.com/tumble/tumble/planner"
	"github.com/tumble/tumble/planner/dialect"
	"github.com/tumble/tumble/server"
	"github.com/tumble/tumble/session"
	"github.com/tumble/tumble/sql"
)

// remoteExecutor runs the REPL's statements on a `tumble server`, as
// ksql-cli does against ksqlDB or Flink's SQL client against its gateway:
// statements go to POST /v1/statements, SELECT and PRINT to POST
// /v1/query (their rows arrive as they come). SET, RESET and UNSET are
// kept here, in the client, and sent with every statement, so they last
// for the session as they do in the embedded REPL. Jobs run on the server
// and outlive the client.
type remoteExecutor struct {
	base    string
	client  *http.Client
	dialect sql.Dialect
	props   map[string]string

	mu        sync.Mutex
	names     []string
	namesTime time.Time
}

var _ executor = (*remoteExecutor)(nil)

// newRemoteExecutor talks to the server at base (http:// or https://)
// with cl (a plain client when nil).
func newRemoteExecutor(base string, d sql.Dialect, cl *http.Client) *remoteExecutor {
	base = strings.TrimRight(base, "/")
	if !strings.Contains(base, "://") {
		base = "http://" + base
	}
	if cl == nil {
		cl = &http.Client{}
	}
	return &remoteExecutor{base: base, client: cl, dialect: d, props: map[string]string{}}
}

// remoteClient is the HTTP client of --server: basic-auth credentials on
// every request (as ksql-cli's -u/-p), and the certificates of caFile
// trusted besides the system's for https:// servers.
func remoteClient(user, password, caFile string) (*http.Client, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, err
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%s: no PEM certificates", caFile)
		}
		tr.TLSClientConfig = &tls.Config{RootCAs: pool}
	}
	var rt http.RoundTripper = tr
	if user != "" {
		rt = basicAuth{user: user, password: password, next: tr}
	}
	return &http.Client{Transport: rt}, nil
}

type basicAuth struct {
	user, password string
	next           http.RoundTripper
}

func (b basicAuth) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.SetBasicAuth(b.user, b.password)
	return b.next.RoundTrip(r)
}

func (e *remoteExecutor) dialectName() string { return e.dialect.String() }

// conventions are the conventions of the dialect's own clients.
func (e *remoteExecutor) conventions() dialect.Client {
	return planner.DialectOf(e.dialect).Rules().Client
}

// Execute parses text here (so that syntax errors need no round trip and
// keep their positions) and runs each statement on the server.
func (e *remoteExecutor) Execute(ctx context.Context, text string) ([]*planner.Result, error) {
	stmts, err := session.Parse(text, e.dialect)
	if err != nil {
		return nil, err
	}
	var out []*planner.Result
	for _, st := range stmts {
		r, err := e.executeOne(ctx, st)
		if err != nil {
			return out, err
		}
		r.Statement = st
		out = append(out, r)
	}
	return out, nil
}

func (e *remoteExecutor) executeOne(ctx context.Context, st sql.Statement) (*planner.Result, error) {
	pos, text := st.Span()
	// The text at its place in the input, so that the server's positions
	// are the user's.
	sent := positioned(sql.RawStatement{Text: text, Start: pos})
	switch n := st.(type) {
	case *sql.Set:
		return e.set(n)
	case *sql.Reset:
		return e.reset(n), nil
	case *sql.Quit:
		return &planner.Result{Kind: planner.ResultQuit}, nil
	case *sql.Query, *sql.Print:
		return e.query(ctx, sent)
	}
	return e.statement(ctx, sent)
}

func (e *remoteExecutor) set(n *sql.Set) (*planner.Result, error) {
	if n.Key == "" {
		if !e.conventions().PropertyAnswers {
			return planner.SettingsTable(e.dialect, e.props), nil
		}
		r := &planner.Result{Kind: planner.ResultTable, Columns: []string{"Property", "Value"}}
		for _, k := range sortedKeys(e.props) {
			r.Rows = append(r.Rows, []string{k, e.props[k]})
		}
		return r, nil
	}
	key, warnings, err := planner.CheckSetting(e.dialect, n.Key, n.Value)
	if err != nil {
		return nil, sql.Errorf(n.Start, "%v", err)
	}
	e.props[key] = n.Value
	r := &planner.Result{Kind: planner.ResultOK, Message: "Execute statement succeeded.", Warnings: warnings}
	if e.conventions().PropertyAnswers {
		r.Message = fmt.Sprintf("Successfully changed local property '%s' to '%s'.", n.Key, n.Value)
	}
	return r, nil
}

func (e *remoteExecutor) reset(n *sql.Reset) *planner.Result {
	if n.Key == "" {
		e.props = map[string]string{}
	} else {
		key := planner.CanonicalSetting(n.Key)
		old, had := e.props[key]
		delete(e.props, key)
		if e.conventions().PropertyAnswers && had {
			return &planner.Result{Kind: planner.ResultOK, Message: fmt.Sprintf("Successfully unset local property '%s' (value was '%s').", n.Key, old)}
		}
	}
	return &planner.Result{Kind: planner.ResultOK, Message: "Execute statement succeeded."}
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// post sends a statement request and returns the response.
func (e *remoteExecutor) post(ctx context.Context, path, text string) (*http.Response, error) {
	body, err := json.Marshal(server.StatementRequest{Statement: text, Dialect: e.dialectName(), Properties: e.props})
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.base+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := e.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("cannot reach the server at %s: %w", e.base, err)
	}
	return resp, nil
}

// statement runs a statement through /v1/statements.
func (e *remoteExecutor) statement(ctx context.Context, text string) (*planner.Result, error) {
	resp, err := e.post(ctx, "/v1/statements", text)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("reading the server's answer: %w", err)
	}
	var sr server.StatementsResponse
	if err := json.Unmarshal(raw, &sr); err != nil {
		return nil, fmt.Errorf("the server answered %s: %s", resp.Status, strings.TrimSpace(string(raw)))
	}
	if sr.Error != nil {
		return nil, remoteError(sr.Error)
	}
	if len(sr.Results) == 0 {
		return &planner.Result{Kind: planner.ResultOK, Message: "Execute statement succeeded."}, nil
	}
	return resultOf(sr.Results[0]), nil
}

// resultOf turns a /v1/statements result into what printResult prints.
func resultOf(r server.StatementResult) *planner.Result {
	switch r.Kind {
	case "table":
		return &planner.Result{Kind: planner.ResultTable, Columns: r.Columns, Rows: r.Rows}
	case "job":
		return &planner.Result{Kind: planner.ResultJob, JobID: r.JobID, Message: r.Message}
	case "explain":
		return &planner.Result{Kind: planner.ResultExplain, Message: r.Plan}
	case "quit":
		return &planner.Result{Kind: planner.ResultQuit}
	}
	return &planner.Result{Kind: planner.ResultOK, Message: r.Message}
}

// remoteError rebuilds a positioned SQL error, so that it prints as the
// embedded REPL prints it.
func remoteError(e *server.ErrorInfo) error {
	if e.Line > 0 && e.Reason != "" {
		return &sql.Error{Pos: sql.Pos{Line: e.Line, Col: e.Column, Offset: -1}, Msg: e.Reason, Near: e.Near}
	}
	return errors.New(e.Message)
}

// query starts a SELECT or PRINT on /v1/query. Its rows come through a
// small local job (a source reading the answer, a collecting sink), so
// that the REPL prints them as it prints embedded ones.
func (e *remoteExecutor) query(ctx context.Context, text string) (*planner.Result, error) {
	qctx, cancel := context.WithCancel(context.Background())
	stop := context.AfterFunc(ctx, cancel) // the statement's ctx cancels the request until the rows flow
	resp, err := e.post(qctx, "/v1/query", text)
	stop()
	if err != nil {
		cancel()
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		defer cancel()
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		var sr server.StatementsResponse
		if json.Unmarshal(raw, &sr) == nil && sr.Error != nil {
			return nil, remoteError(sr.Error)
		}
		return nil, fmt.Errorf("the server answered %s: %s", resp.Status, strings.TrimSpace(string(raw)))
	}
	src := &remoteSource{body: resp.Body, cancel: cancel, sc: bufio.NewScanner(resp.Body)}
	src.sc.Buffer(make([]byte, 0, 64*1024), 64<<20)
	hdr, err := src.header()
	if err != nil {
		src.Close()
		return nil, err
	}
	cols := make([]planner.Field, len(hdr.Columns))
	for i, c := range hdr.Columns {
		cols[i] = planner.Field{Name: c.Name, Type: c.DataType}
	}
	src.cols = cols
	rows := make(chan engine.Rec, 1024)
	sink := &engine.CollectSink{Fn: func(ctx context.Context, recs []engine.Rec) error {
		for _, r := range recs {
			select {
			case rows <- r:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return nil
	}}
	op := engine.NewSinkOp("client", sink)
	job, err := engine.StartJob(context.Background(), &engine.JobSpec{
		ID: hdr.JobID, Name: "remote", Statement: text,
		Inputs:            []*engine.Input{{Name: "server", Source: src, Head: op}},
		Ops:               []engine.Op{op},
		WatermarkInterval: time.Second,
	})
	if err != nil {
		src.Close()
		return nil, err
	}
	go func() {
		<-job.Done()
		close(rows)
	}()
	st := &planner.Stream{Columns: cols, Rows: rows, Job: job, Cancel: job.Stop}
	st.Display(e.props)
	return &planner.Result{Kind: planner.ResultRows, Stream: st, JobID: hdr.JobID}, nil
}

// remoteSource reads the rows of a /v1/query answer. A goroutine decodes
// the lines into recs; Poll hands over what has arrived; Close ends the
// request and waits for the goroutine.
type remoteSource struct {
	body   io.ReadCloser
	cancel context.CancelFunc
	sc     *bufio.Scanner
	cols   []planner.Field

	recs chan engine.Rec
	errc chan error // the end: nil (io.EOF) or the query's error
	wg   sync.WaitGroup
	next int64
	once sync.Once

	endOnce sync.Once
	end     error
}

var _ engine.Source = (*remoteSource)(nil)

type queryLine struct {
	Header *server.QueryHeader `json:"header"`
	Kind   string              `json:"kind"`
	Row    []json.RawMessage   `json:"row"`
	End    *struct {
		Error string `json:"error"`
	} `json:"end"`
}

func (s *remoteSource) header() (*server.QueryHeader, error) {
	if !s.sc.Scan() {
		if err := s.sc.Err(); err != nil {
			return nil, err
		}
		return nil, errors.New("the server ended the query without a header")
	}
	var l queryLine
	if err := json.Unmarshal(s.sc.Bytes(), &l); err != nil || l.Header == nil {
		return nil, fmt.Errorf("bad query header from the server: %s", s.sc.Bytes())
	}
	return l.Header, nil
}

func (s *remoteSource) Open(ctx context.Context, _ map[int32]int64) error {
	s.recs = make(chan engine.Rec, 1024)
	s.errc = make(chan error, 1)
	s.wg.Add(1)
	go s.read()
	return nil
}

var kinds = map[string]engine.RowKind{"+I": engine.Insert, "-U": engine.UpdateBefore, "+U": engine.UpdateAfter, "-D": engine.Delete}

func (s *remoteSource) read() {
	defer s.wg.Done()
	defer close(s.recs)
	end := func(err error) { s.errc <- err }
	for s.sc.Scan() {
		var l queryLine
		if err := json.Unmarshal(s.sc.Bytes(), &l); err != nil {
			end(fmt.Errorf("bad row from the server: %v", err))
			return
		}
		if l.End != nil {
			if l.End.Error != "" {
				end(errors.New(l.End.Error))
				return
			}
			end(nil)
			return
		}
		row := make(types.Row, len(s.cols))
		for i := range row {
			if i >= len(l.Row) {
				break
			}
			v, err := server.DecodeValue(l.Row[i], s.cols[i].Type)
			if err != nil {
				end(err)
				return
			}
			row[i] = v
		}
		s.recs <- engine.Rec{Row: row, Kind: kinds[l.Kind]}
	}
	if err := s.sc.Err(); err != nil {
		end(fmt.Errorf("the connection to the server broke: %w", err))
		return
	}
	end(errors.New("the server ended the query without saying why"))
}

func (s *remoteSource) Splits() []int32 { return []int32{0} }

func (s *remoteSource) Poll(ctx context.Context) ([]engine.SplitBatch, error) {
	var recs []engine.Rec
	select {
	case r, ok := <-s.recs:
		if !ok {
			return nil, s.finalErr()
		}
		recs = append(recs, r)
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-time.After(200 * time.Millisecond):
		return nil, nil
	}
drain:
	for len(recs) < 512 {
		select {
		case r, ok := <-s.recs:
			if !ok {
				break drain
			}
			recs = append(recs, r)
		default:
			break drain
		}
	}
	s.next += int64(len(recs))
	return []engine.SplitBatch{{Split: 0, Recs: recs, Next: s.next}}, nil
}

// finalErr is how the rows ended: io.EOF, or the query's error.
func (s *remoteSource) finalErr() error {
	s.endOnce.Do(func() {
		s.end = io.EOF
		if err := <-s.errc; err != nil {
			s.end = err
		}
	})
	return s.end
}

// Close ends the request (the server stops the query) and waits for the
// reading goroutine.
func (s *remoteSource) Close() error {
	s.once.Do(func() {
		s.cancel()
		s.body.Close()
		if s.recs != nil {
			go func() {
				for range s.recs { // let a blocked send finish
				}
			}()
		}
		s.wg.Wait()
	})
	return nil
}

// Names lists the server's tables, streams and views (for completion),
// cached for a few seconds.
func (e *remoteExecutor) Names() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	if time.Since(e.namesTime) < 3*time.Second {
		return e.names
	}
	e.namesTime = time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.base+"/v1/catalog", nil)
	if err != nil {
		return e.names
	}
	resp, err := e.client.Do(req)
	if err != nil {
		return e.names
	}
	defer resp.Body.Close()
	var objs []server.CatalogObject
	if json.NewDecoder(resp.Body).Decode(&objs) != nil {
		return e.names
	}
	e.names = e.names[:0]
	for _, o := range objs {
		e.names = append(e.names, o.Name)
	}
	return e.names
}

// ping checks that a server answers at base, trying again for up to wait
// (a server that is starting).
func (e *remoteExecutor) ping(ctx context.Context, wait time.Duration) error {
	deadline := time.Now().Add(wait)
	for {
		err, final := e.pingOnce(ctx)
		if err == nil || final || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// pingOnce asks for /info; final says the answer will not change by
// trying again (the server answered, or its certificate is not trusted).
func (e *remoteExecutor) pingOnce(ctx context.Context) (err error, final bool) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.base+"/info", nil)
	if err != nil {
		return err, true
	}
	resp, err := e.client.Do(req)
	if err != nil {
		var cert *tls.CertificateVerificationError
		return fmt.Errorf("no Tumble server at %s: %w", e.base, err), errors.As(err, &cert)
	}
	resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusUnauthorized && req.Header.Get("Authorization") == "" && !e.sendsAuth():
		return fmt.Errorf("the server at %s answered %s: it requires a user and password (--user, --password)", e.base, resp.Status), true
	case resp.StatusCode == http.StatusUnauthorized:
		return fmt.Errorf("the server at %s answered %s: the user or password is wrong", e.base, resp.Status), true
	case resp.StatusCode != http.StatusOK:
		return fmt.Errorf("no Tumble server at %s: /info answered %s", e.base, resp.Status), true
	}
	return nil, false
}

// sendsAuth reports whether the client adds credentials to its requests.
func (e *remoteExecutor) sendsAuth() bool {
	_, ok := e.client.Transport.(basicAuth)
	return ok
}

// postKSQLFile posts a file's statements to /ksql in one request, as
// ksqlDB's clients (and ksql-cli's RUN SCRIPT) do, and prints what each
// statement did. It fails at the statement the server refused.
func (e *remoteExecutor) postKSQLFile(ctx context.Context, w io.Writer, path, text string) error {
	body, err := json.Marshal(map[string]any{"ksql": text, "streamsProperties": e.props})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.base+"/ksql", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/vnd.ksql.v1+json")
	req.Header.Set("Accept", "application/vnd.ksql.v1+json")
	resp, err := e.client.Do(req)
	if err != nil {
		return fmt.Errorf("cannot reach the server at %s: %w", e.base, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	type entity struct {
		Type          string `json:"@type"`
		StatementText string `json:"statementText"`
		Message       string `json:"message"`
		CommandStatus *struct {
			Message string `json:"message"`
			QueryID string `json:"queryId"`
		} `json:"commandStatus"`
		Entities []entity `json:"entities"`
	}
	show := func(es []entity) {
		for _, en := range es {
			fmt.Fprintf(w, "ksql> %s\n", strings.TrimSpace(en.StatementText))
			switch {
			case en.CommandStatus != nil:
				fmt.Fprintf(w, "[INFO] %s\n\n", en.CommandStatus.Message)
			default:
				fmt.Fprintf(w, "[INFO] %s\n\n", en.Type)
			}
		}
	}
	if resp.StatusCode != http.StatusOK {
		var fail entity
		if json.Unmarshal(raw, &fail) != nil {
			return fmt.Errorf("%s: the server answered %s: %s", path, resp.Status, strings.TrimSpace(string(raw)))
		}
		show(fail.Entities)
		if fail.StatementText != "" {
			fmt.Fprintf(w, "ksql> %s\n", strings.TrimSpace(fail.StatementText))
		}
		return fmt.Errorf("%s: %s", path, fail.Message)
	}
	var es []entity
	if err := json.Unmarshal(raw, &es); err != nil {
		return fmt.Errorf("%s: bad answer from the server: %v", path, err)
	}
	show(es)
	return nil
}
