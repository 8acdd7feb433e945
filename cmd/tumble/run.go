package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"sort"
	"strings"
	"time"

	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/planner"
	dialects "github.com/tumble/tumble/planner/dialect"
	"github.com/tumble/tumble/session"
	"github.com/tumble/tumble/sql"
)

// fileList collects -f flags.
type fileList []string

func (f *fileList) String() string     { return strings.Join(*f, ",") }
func (f *fileList) Set(v string) error { *f = append(*f, v); return nil }

// expandFiles turns files and directories (their *.sql in name order) into
// a list of files.
func expandFiles(in []string) ([]string, error) { return expandFilesExt(in, ".sql") }

// expandFilesExt turns files and directories (their files ending in ext,
// in name order) into a list of files.
func expandFilesExt(in []string, ext string) ([]string, error) {
	var out []string
	for _, p := range in {
		st, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			out = append(out, p)
			continue
		}
		matches, err := filepath.Glob(filepath.Join(p, "*"+ext))
		if err != nil {
			return nil, err
		}
		sort.Strings(matches)
		if len(matches) == 0 {
			return nil, fmt.Errorf("%s: no %s files", p, ext)
		}
		out = append(out, matches...)
	}
	return out, nil
}

// dialectFlag picks the dialect: "flink", "ksql" or "auto" (per file).
func pickDialect(flagValue, text string) sql.Dialect {
	switch flagValue {
	case "ksql":
		return sql.KSQL
	case "flink":
		return sql.Flink
	}
	return sql.DetectDialect(text)
}

// executeFile runs every statement of a file in a session of the given
// dialect, printing each result; errors name the file.
func executeFile(ctx context.Context, rt *runtime, sessions map[sql.Dialect]*session.Session, path, dialect string) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	text := string(raw)
	d := pickDialect(dialect, text)
	s, ok := sessions[d]
	if !ok {
		s = rt.session(d)
		sessions[d] = s
	}
	stmts, err := session.Parse(text, d)
	if err != nil {
		return fmt.Errorf("%s: %s", path, errorText(err))
	}
	for _, st := range stmts {
		// With a data dir, a job's id is derived from its statement, so
		// running the same files again resumes each job from its checkpoint.
		id := ""
		if rt.dataDir != "" && planner.DialectOf(d).Rules().QueryIDs == dialects.RandomJobIDs {
			id = stableJobID(d, st)
		}
		r, err := s.ExecuteAs(ctx, st, id)
		if err != nil {
			return fmt.Errorf("%s: %s", path, errorText(sql.WithNear(err, text)))
		}
		if err := printResult(ctx, os.Stdout, r); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
	}
	return nil
}

// stableJobID names the job a statement starts after the statement itself.
func stableJobID(d sql.Dialect, st sql.Statement) string {
	_, text := st.Span()
	sum := sha256.Sum256([]byte(d.String() + "\x00" + strings.Join(strings.Fields(text), " ")))
	return hex.EncodeToString(sum[:16])
}

func runCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	var files fileList
	fs.Var(&files, "f", "SQL file or directory (repeatable; a directory runs its *.sql in name order)")
	bootstrap := fs.String("bootstrap", "", "default Kafka bootstrap servers for tables that do not set them")
	kafkaCfg := fs.String("kafka-config", "", "Java properties file of the default cluster's client settings (bootstrap.servers, security.protocol, sasl.*, ssl.*), as ksqlDB's server reads them")
	dataDir := fs.String("data-dir", "", "directory for job checkpoints (enables recovery on restart)")
	registryURL := fs.String("schema-registry", "", "the Schema Registry of AVRO, PROTOBUF and JSON_SR (ksqlDB) formats, e.g. http://127.0.0.1:8081")
	dialect := fs.String("dialect", "auto", "flink, ksql or auto (detect per file)")
	logLevel := fs.String("log-level", "info", "debug, info, warn or error")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile (pprof) of the run to this file")
	ui := fs.String("ui", "", "serve Tumble Console and the HTTP API for these jobs on this address (e.g. 127.0.0.1:8088)")
	fromSavepoint := fs.String("from-savepoint", "", "start the Flink INSERT jobs from this savepoint (written by STOP JOB ... WITH SAVEPOINT), as SET 'execution.savepoint.path' does")
	allowNonRestored := fs.Bool("allow-non-restored-state", false, "with --from-savepoint: drop savepoint state that no operator claims instead of failing ('execution.savepoint.ignore-unclaimed-state')")
	if err := fs.Parse(args); err != nil {
		return err
	}
	files = append(files, fs.Args()...)
	if len(files) == 0 {
		return fmt.Errorf("run: give at least one -f FILE")
	}
	if *allowNonRestored && *fromSavepoint == "" {
		return fmt.Errorf("run: --allow-non-restored-state needs --from-savepoint")
	}
	if *fromSavepoint != "" {
		if _, err := engine.ReadSavepoint(*fromSavepoint); err != nil {
			return fmt.Errorf("run: --from-savepoint: %w", err)
		}
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer func() { pprof.StopCPUProfile(); f.Close() }()
	}
	paths, err := expandFiles(files)
	if err != nil {
		return err
	}
	log := newLogger(os.Stderr, *logLevel)
	cfgBootstrap, kafkaProps, err := kafkaConfig(*kafkaCfg, log)
	if err != nil {
		return err
	}
	if *bootstrap == "" {
		*bootstrap = cfgBootstrap
	}
	jobsCtx, cancelJobs := context.WithCancel(context.Background())
	defer cancelJobs()
	rt := newRuntime(jobsCtx, *bootstrap, *dataDir, os.Stdout, log)
	rt.kafkaProps = withRegistry(kafkaProps, *registryURL)
	defer rt.jobs.StopAll()
	sessions := map[sql.Dialect]*session.Session{}
	if *fromSavepoint != "" {
		s := rt.session(sql.Flink)
		s.Set("execution.savepoint.path", *fromSavepoint)
		if *allowNonRestored {
			s.Set("execution.savepoint.ignore-unclaimed-state", "true")
		}
		sessions[sql.Flink] = s
	}
	for _, p := range paths {
		if err := executeFile(ctx, rt, sessions, p, *dialect); err != nil {
			return err
		}
	}
	if *ui != "" {
		url, stop, err := serveConsole(ctx, rt, *ui, false, os.Stdout, log)
		if err != nil {
			return err
		}
		defer stop()
		fmt.Fprintf(os.Stderr, "Tumble Console: %s\n", url)
	}
	return waitJobs(ctx, rt, *ui != "")
}

// waitJobs keeps the process alive while jobs run: until ctx is done (a
// signal), every job has ended, or one failed. With serving set (the
// console is up) only a signal ends it.
func waitJobs(ctx context.Context, rt *runtime, serving bool) error {
	if serving {
		fmt.Fprintf(os.Stderr, "tumble: %d job(s) running; press Ctrl-C to stop\n", len(rt.jobs.List()))
		<-ctx.Done()
		fmt.Fprintln(os.Stderr, "tumble: stopping jobs")
		return nil
	}
	if len(rt.jobs.List()) == 0 {
		return nil
	}
	fmt.Fprintf(os.Stderr, "tumble: %d job(s) running; press Ctrl-C to stop\n", len(rt.jobs.List()))
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			fmt.Fprintln(os.Stderr, "tumble: stopping jobs")
			return nil
		case <-tick.C:
			running := 0
			for _, j := range rt.jobs.List() {
				switch j.Job.Status() {
				case engine.Running:
					running++
				case engine.Failed:
					return fmt.Errorf("job %s failed: %v", j.ID, j.Job.Err())
				}
			}
			if running == 0 {
				return nil
			}
		}
	}
}

func explainCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("explain", flag.ContinueOnError)
	var files fileList
	fs.Var(&files, "f", "SQL file or directory (repeatable)")
	dialect := fs.String("dialect", "auto", "flink, ksql or auto")
	if err := fs.Parse(args); err != nil {
		return err
	}
	files = append(files, fs.Args()...)
	paths, err := expandFiles(files)
	if err != nil {
		return err
	}
	text, err := explainFiles(paths, *dialect)
	fmt.Print(text)
	return err
}

// explainFiles runs the DDL of the files and explains every INSERT and
// SELECT, without starting jobs.
func explainFiles(paths []string, dialect string) (string, error) {
	rt := newRuntime(context.Background(), "", "", os.Stdout, newLogger(os.Stderr, "warn"))
	sessions := map[sql.Dialect]*session.Session{}
	var sb strings.Builder
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		if err != nil {
			return sb.String(), err
		}
		d := pickDialect(dialect, string(raw))
		s, ok := sessions[d]
		if !ok {
			s = rt.session(d)
			sessions[d] = s
		}
		stmts, err := session.Parse(string(raw), d)
		if err != nil {
			return sb.String(), fmt.Errorf("%s: %s", p, errorText(err))
		}
		for _, st := range stmts {
			explained := st
			if e, ok := st.(*sql.Explain); ok && e.Stmt != nil {
				// EXPLAIN INSERT ... in a file: the plan of the INSERT.
				explained = e.Stmt
			}
			switch explained.(type) {
			case *sql.Insert, *sql.Query, *sql.CreateAs:
				plan, err := s.Explain(explained)
				if err != nil {
					return sb.String(), fmt.Errorf("%s: %s", p, errorText(err))
				}
				_, text := st.Span()
				fmt.Fprintf(&sb, "-- %s\n%s\n%s\n", filepath.Base(p), strings.TrimSpace(text), plan)
				if ca, ok := st.(*sql.CreateAs); ok { // only a dialect that plans CREATE ... AS SELECT gets here
					// Later statements may read what it creates.
					if err := s.Declare(ca); err != nil {
						return sb.String(), fmt.Errorf("%s: %s", p, errorText(err))
					}
				}
			case *sql.Explain:
				// EXPLAIN of a running query (ksqlDB's EXPLAIN <query id>).
				r, err := s.Execute(context.Background(), st)
				if err != nil {
					return sb.String(), fmt.Errorf("%s: %s", p, errorText(err))
				}
				_, text := st.Span()
				fmt.Fprintf(&sb, "-- %s\n%s\n%s\n", filepath.Base(p), strings.TrimSpace(text), r.Message)
			default:
				if _, err := s.Execute(context.Background(), st); err != nil {
					return sb.String(), fmt.Errorf("%s: %s", p, errorText(err))
				}
			}
		}
	}
	return sb.String(), nil
}
