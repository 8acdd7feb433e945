// Package session runs statements for a client: a Session holds the
// settings (SET, RESET), runs the statements through its dialect's
// executor, starts and stops jobs (the JobManager) and streams query
// results. The REPL, the server, tumble run and the test runners all come
// in through it (Parse, ExecuteText, Execute). Planning — the catalog, the
// binder, the rules and the build — is the planner's: a Session makes a
// planner.Planner, with a snapshot of its settings, for each statement.
package session

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/planner"
	"github.com/tumble/tumble/planner/dialect"
	"github.com/tumble/tumble/sql"
)

// Config is what a session needs from its process.
type Config struct {
	Catalog  *planner.Catalog
	Registry *engine.Registry
	Jobs     *JobManager
	// Bootstrap is the default Kafka bootstrap servers (the --bootstrap flag).
	Bootstrap string
	// KafkaProperties are the default cluster's client properties beyond
	// the bootstrap servers, in Kafka's names (security.protocol,
	// sasl.mechanism, sasl.jaas.config, ssl.*): tables that set none of
	// their own use them (the --kafka-config file).
	KafkaProperties map[string]string
	// DataDir, when set, keeps job checkpoints under DataDir/jobs/<id>.
	DataDir string
	// Dialect is the syntax the session's statements are parsed with, and
	// picks the registered dialect of that syntax (dialect.For) unless
	// Frontend is set.
	Dialect sql.Dialect
	// Frontend, when set, is the session's dialect (a front-end that
	// registers none, or several over one syntax).
	Frontend dialect.Dialect
	Log      *slog.Logger
	// Clock is the wall clock of the session's queries: CURRENT_TIMESTAMP,
	// PROCTIME() and processing-time windows (nil: time.Now).
	Clock func() time.Time
}

// Session executes statements. It holds session settings (SET); the catalog
// and jobs may be shared with other sessions. A Session is used by one
// client at a time.
type Session struct {
	Config
	// dialect is Config.Dialect's: what the session's statements mean.
	dialect  dialect.Dialect
	mu       sync.Mutex
	settings map[string]string
	// path is the current catalog and database (Flink's USE); the zero
	// Path is the default one.
	path planner.Path
	// jobID, when set, is the id the next job started gets (replaying a
	// persisted statement keeps its job's id, and so its checkpoints).
	jobID string
	// stmtSet holds the statements of an open BEGIN STATEMENT SET (nil
	// when none is open).
	stmtSet []sql.Statement
}

// ExecuteAs runs one statement; a job it starts gets the given id.
func (s *Session) ExecuteAs(ctx context.Context, st sql.Statement, jobID string) (*planner.Result, error) {
	s.mu.Lock()
	s.jobID = jobID
	s.mu.Unlock()
	s.Catalog.SawQueryID(jobID)
	defer func() {
		s.mu.Lock()
		s.jobID = ""
		s.mu.Unlock()
	}()
	return s.Execute(ctx, st)
}

// newJobID returns the id for the next job: the one ExecuteAs set, or
// def() (a fresh Flink-style id when def is nil).
func (s *Session) newJobID(def func() string) string {
	s.mu.Lock()
	id := s.jobID
	s.jobID = ""
	s.mu.Unlock()
	if id != "" {
		return id
	}
	if def != nil {
		return def()
	}
	return NewJobID()
}

// New returns a session.
func New(cfg Config) *Session {
	if cfg.Catalog == nil {
		cfg.Catalog = planner.NewCatalog()
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	d := cfg.Frontend
	if d == nil {
		d = planner.DialectOf(cfg.Dialect)
	}
	return &Session{Config: cfg, dialect: d, settings: map[string]string{}}
}

// planner returns a Planner with the session's settings as they are now.
func (s *Session) planner() *planner.Planner {
	return &planner.Planner{Catalog: s.Catalog, Path: s.Path(), Registry: s.Registry, Dialect: s.dialect, Syntax: s.Dialect, Settings: s.Settings(),
		Bootstrap: s.Bootstrap, DataDir: s.DataDir, KafkaProperties: s.KafkaProperties, Log: s.Log, Clock: s.Clock}
}

// Path returns the session's current catalog and database (the zero
// Path: the default ones).
func (s *Session) Path() planner.Path {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.path
}

// SetPath makes p the session's current catalog and database (a server
// replaying a statement puts back the database it ran in).
func (s *Session) SetPath(p planner.Path) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.path = p
}

// Setting returns a session setting (an alias reads the key it stands
// for).
func (s *Session) Setting(key string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.settings[planner.CanonicalSetting(key)]
	return v, ok
}

// Set changes a session setting without checking it (SET checks; see
// Apply).
func (s *Session) Set(key, value string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settings[planner.CanonicalSetting(key)] = value
}

// Apply is SET key = value: the value is checked against the settings
// table (an error for a value the key does not accept) and stored; the
// warnings say when the key is deprecated or not read by Tumble.
func (s *Session) Apply(key, value string) (warnings []string, err error) {
	canonical, warnings, err := planner.CheckSetting(s.Dialect, key, value)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.settings[canonical] = value
	s.mu.Unlock()
	return warnings, nil
}

// Settings returns a copy of all settings.
func (s *Session) Settings() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]string, len(s.settings))
	for k, v := range s.settings {
		out[k] = v
	}
	return out
}

// Parse turns text into statements of dialect d. It is the one door by
// which statement text enters Tumble: the REPL, the server, tumble run and
// the test runners parse through it (or through ExecuteText).
func Parse(text string, d sql.Dialect) ([]sql.Statement, error) { return sql.Parse(text, d) }

// Parse parses text in the session's dialect.
func (s *Session) Parse(text string) ([]sql.Statement, error) { return Parse(text, s.Dialect) }

// ExecuteText parses and executes every statement in text, stopping at the
// first error. Results of the statements that ran are returned with it.
func (s *Session) ExecuteText(ctx context.Context, text string) ([]*planner.Result, error) {
	stmts, err := s.Parse(text)
	if err != nil {
		return nil, err
	}
	var out []*planner.Result
	for _, st := range stmts {
		r, err := s.Execute(ctx, st)
		if err != nil {
			return out, sql.WithNear(err, text)
		}
		r.Statement = st
		out = append(out, r)
	}
	return out, nil
}

// Execute runs one statement. Its answer's warnings start with the
// statement's notes (parts of it that have no effect).
func (s *Session) Execute(ctx context.Context, st sql.Statement) (*planner.Result, error) {
	r, err := s.execute(ctx, st)
	if notes := st.Notes(); err == nil && r != nil && len(notes) > 0 {
		r.Warnings = append(notes, r.Warnings...)
	}
	return r, err
}

func (s *Session) execute(ctx context.Context, st sql.Statement) (*planner.Result, error) {
	if r, err, done := s.inStatementSet(ctx, st); done {
		return r, err
	}
	x := s.statementsOf()
	switch n := st.(type) {
	case *sql.CreateTable:
		return x.createTable(n)
	case *sql.CreateView:
		return s.planner().CreateView(n)
	case *sql.CreateAs:
		return x.createAs(ctx, n)
	case *sql.Drop:
		return x.drop(ctx, n)
	case *sql.Insert:
		return x.insert(ctx, n)
	case *sql.Query:
		return x.query(ctx, n)
	case *sql.Explain:
		return s.execExplain(n)
	case *sql.Set:
		return s.execSet(n)
	case *sql.Reset:
		s.mu.Lock()
		if n.Key == "" {
			s.settings = map[string]string{}
		} else {
			delete(s.settings, planner.CanonicalSetting(n.Key))
		}
		s.mu.Unlock()
		return ok("Execute statement succeeded."), nil
	case *sql.Show:
		return x.show(ctx, n)
	case *sql.Describe:
		return x.describe(n)
	case *sql.AlterTable:
		if msg, no := s.dialect.Rules().Refuses(dialect.FeatureAlter); no {
			return nil, sql.Errorf(n.Start, "%s", msg)
		}
		return s.planner().Alter(n)
	case *sql.CreateFunction:
		if msg, no := s.dialect.Rules().Refuses(dialect.FeatureFunctions); no {
			return nil, sql.Errorf(n.Start, "%s", msg)
		}
		return s.planner().CreateFunction(n)
	case *sql.StopJob:
		return s.execStopJob(n)
	case *sql.Help:
		return &planner.Result{Kind: planner.ResultOK, Message: helpText}, nil
	case *sql.Quit:
		return &planner.Result{Kind: planner.ResultQuit}, nil
	case *sql.LoadModule, *sql.UnloadModule, *sql.UseModules:
		return s.execModule(n)
	case *sql.Jar:
		return execJar(n)
	case *sql.Print:
		return s.ksqlPrint(ctx, n)
	case *sql.CreateCatalog:
		return s.planner().CreateCatalog(n)
	case *sql.DropCatalog:
		return s.planner().DropCatalog(n)
	case *sql.AlterCatalog:
		return s.planner().AlterCatalog(n)
	case *sql.DescribeCatalog:
		return s.planner().DescribeCatalog(n)
	case *sql.CreateDatabase:
		return s.planner().CreateDatabase(n)
	case *sql.DropDatabase:
		return s.planner().DropDatabase(n)
	case *sql.AlterDatabase:
		return s.planner().AlterDatabase(n)
	case *sql.Use:
		p, err := s.planner().Use(n)
		if err != nil {
			return nil, err
		}
		s.SetPath(p)
		return ok("Execute statement succeeded."), nil
	}
	pos, _ := st.Span()
	return nil, sql.Errorf(pos, "unsupported statement %T", st)
}

// Explain returns the plan text of an INSERT or SELECT (and, in
// ksqlDB, CREATE ... AS SELECT).
func (s *Session) Explain(st sql.Statement) (string, error) {
	node, err := s.statementsOf().plan(st)
	if err != nil {
		return "", err
	}
	return "== Physical Plan ==\n" + s.planner().Explain(node), nil
}

// Declare puts the stream or table a ksqlDB CREATE ... AS SELECT creates
// into the catalog without starting its query, so that the statements
// after it can be planned (tumble explain plans files without running
// them). Other statements are refused.
func (s *Session) Declare(n *sql.CreateAs) error { return s.statementsOf().declare(n) }

func (s *Session) execExplain(n *sql.Explain) (*planner.Result, error) {
	if n.Stmt == nil {
		return s.statementsOf().explainQuery(n)
	}
	node, err := s.statementsOf().plan(n.Stmt)
	if err != nil {
		return nil, err
	}
	return &planner.Result{Kind: planner.ResultExplain, Message: "== Physical Plan ==\n" + s.planner().Explain(node), Warnings: s.planner().HintWarnings(node)}, nil
}

func (s *Session) execSet(n *sql.Set) (*planner.Result, error) {
	if n.Key == "" {
		return planner.SettingsTable(s.Dialect, s.Settings()), nil
	}
	warnings, err := s.Apply(n.Key, n.Value)
	if err != nil {
		return nil, sql.Errorf(n.Start, "%v", err)
	}
	r := s.statementsOf().setDone(n.Key, n.Value)
	r.Warnings = warnings
	return r, nil
}

func (s *Session) execStopJob(n *sql.StopJob) (*planner.Result, error) {
	if n.All {
		for _, j := range s.Jobs.List() {
			if err := s.Jobs.Stop(j.ID, true); err != nil {
				return nil, err
			}
		}
		return ok("Execute statement succeeded."), nil
	}
	j, found := s.Jobs.Get(n.ID)
	if !found {
		for _, cand := range s.Jobs.List() {
			if strings.EqualFold(cand.ID, n.ID) {
				j, found = cand, true
			}
		}
	}
	if !found {
		return nil, sql.Errorf(n.Start, "Could not stop job %s: no such job", n.ID)
	}
	if n.Savepoint {
		dir, err := s.savepointDir()
		if err != nil {
			return nil, sql.Errorf(n.Start, "Could not stop job %s with a savepoint: %v", j.ID, err)
		}
		path, err := s.Jobs.StopWithSavepoint(j.ID, dir, n.Drain)
		if err != nil {
			return nil, sql.Errorf(n.Start, "Could not stop job %s with a savepoint: %v", j.ID, err)
		}
		return &planner.Result{Kind: planner.ResultTable, Columns: []string{"savepoint path"}, Rows: [][]string{{path}}}, nil
	}
	if n.Drain {
		if err := s.Jobs.Drain(j.ID); err != nil {
			return nil, sql.Errorf(n.Start, "Could not stop job %s: %v", j.ID, err)
		}
		return ok("Execute statement succeeded."), nil
	}
	if err := s.Jobs.Stop(j.ID, j.RemoveOnStop); err != nil {
		return nil, err
	}
	return ok("Execute statement succeeded."), nil
}

// savepointDir is where STOP JOB ... WITH SAVEPOINT writes savepoints:
// 'execution.checkpointing.savepoint-dir', else DataDir/savepoints.
func (s *Session) savepointDir() (string, error) {
	if v, ok := s.Setting("execution.checkpointing.savepoint-dir"); ok && strings.TrimSpace(v) != "" {
		return strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(v), "file://"), "file:"), nil
	}
	if s.DataDir != "" {
		return filepath.Join(s.DataDir, "savepoints"), nil
	}
	return "", fmt.Errorf("no directory for savepoints: SET 'execution.checkpointing.savepoint-dir' = '/a/directory', or start Tumble with --data-dir")
}

const helpText = `The following commands are available:

CREATE TABLE		Create table under current catalog and database.
CREATE VIEW		Create view under current catalog and database.
DESCRIBE		Describe the schema of a table with the given name.
DROP TABLE		Drop table with the given name.
DROP VIEW		Drop view with the given name.
EXPLAIN		Describes the execution plan of a query or table with the given name.
HELP		Prints the available commands.
INSERT INTO		Inserts the results of a SQL SELECT query into a declared table sink.
QUIT		Quits the SQL CLI client.
RESET		Resets a session configuration property. Syntax: "RESET '<key>';". Use "RESET;" for reset all session properties.
SELECT		Executes a SQL SELECT query and streams its rows ('+I' row kinds) until Ctrl-C.
SET		Sets a session configuration property. Syntax: "SET '<key>'='<value>';". Use "SET;" for listing all properties.
SHOW JOBS		Shows the jobs of this process (SHOW JOBS EXTENDED: with their counters).
SHOW TABLES		Shows all registered tables.
SHOW VIEWS		Shows all registered views.
STOP JOB		Stops a running job. Syntax: "STOP JOB '<job id>' [WITH SAVEPOINT] [WITH DRAIN];".

"SET;" lists the settings Tumble reads, with the values in force and their defaults.

Hint: Make sure that a statement ends with ";" for finalizing (multi-line) statements.`
