package main

// The interactive SQL client, `tumble sql`.
//
// The pieces, so that a remote (--server) mode only swaps one of them:
//
//	lineReader  where lines come from: readline on a terminal, or any
//	            io.Reader (a pipe, a file, a test)
//	repl        the loop: gathers lines until sql.Split finds complete
//	            statements, runs them one at a time through the executor
//	            and prints each result with printResult / printError
//	executor    runs one statement's text: embeddedExecutor wraps a
//	            session.Session of this process's runtime
//
// sqlCmd wires them for a terminal (readline, Ctrl-C cancels a running
// query, history, completion) or for piped input (statements run as they
// arrive; afterwards the process stays up while jobs run).

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/chzyer/readline"

	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/planner"
	"github.com/tumble/tumble/session"
	"github.com/tumble/tumble/sql"
)

// executor runs statements for the REPL. Execute runs the statement(s) in
// text and returns a result per statement that ran; positions in errors
// are positions in text. A ResultRows result streams until its context is
// done. Names lists the catalog's tables, streams and views (for
// completion). The REPL calls an executor from one goroutine at a time.
type executor interface {
	Execute(ctx context.Context, text string) ([]*planner.Result, error)
	Names() []string
}

// embeddedExecutor runs statements in this process: a session over the
// runtime's catalog and jobs. Jobs started by INSERT run under the
// runtime's context, not under the ctx given to Execute.
type embeddedExecutor struct {
	rt *runtime
	s  *session.Session
}

var _ executor = (*embeddedExecutor)(nil)

func newEmbeddedExecutor(rt *runtime, d sql.Dialect) *embeddedExecutor {
	return &embeddedExecutor{rt: rt, s: rt.session(d)}
}

func (e *embeddedExecutor) Execute(ctx context.Context, text string) ([]*planner.Result, error) {
	return e.s.ExecuteText(ctx, text)
}

func (e *embeddedExecutor) Names() []string { return e.rt.cat.Names() }

// errInterrupt is returned by a lineReader when the user pressed Ctrl-C
// while editing; the input gathered so far is dropped.
var errInterrupt = errors.New("interrupted")

// lineReader supplies the REPL's input one line at a time.
type lineReader interface {
	// ReadLine shows prompt (if the reader is interactive) and returns the
	// next line without its line ending. It returns errInterrupt on Ctrl-C
	// and io.EOF at the end of the input (Ctrl-D on an empty line) or when
	// ctx is done.
	ReadLine(ctx context.Context, prompt string) (string, error)
	// AddHistory records a line for recall (a whole statement when it
	// fits on one line).
	AddHistory(entry string)
}

// repl is the read-execute-print loop. It is independent of terminals:
// tests drive it with an io.Reader and an io.Writer.
type repl struct {
	exec   executor
	in     lineReader
	out    io.Writer
	log    *slog.Logger
	prompt string // "Flink SQL> " or "ksql> "
	cont   string // continuation prompt of a multi-line statement
	// script is set for input that is not typed at the prompt (a file, a
	// pipe): each statement is echoed before its result, the first failing
	// statement ends the input, and an unfinished last statement runs at
	// the end. A person at the prompt sees what they typed, goes on after
	// an error, and drops unfinished input with Ctrl-D.
	script bool
	// interrupts, if set, delivers SIGINT; while a statement runs, one
	// cancels it (a streaming SELECT stops and the prompt comes back).
	interrupts <-chan os.Signal
}

func newREPL(exec executor, in lineReader, out io.Writer, d sql.Dialect) *repl {
	return &repl{exec: exec, in: in, out: out, prompt: planner.DialectOf(d).Rules().Client.Prompt, cont: "> ", log: slog.Default()}
}

// errQuit ends the loop: QUIT; or EXIT; was executed.
var errQuit = errors.New("quit")

// errStopped ends a script at its first failing statement.
var errStopped = errors.New("statement failed")

// run reads lines until the input ends, ctx is done or a QUIT statement
// runs. A statement runs as soon as the line holding its ';' is read; a
// line that completes several statements runs them in order. Errors of
// statements are printed, not returned. run returns nil at the end of the
// input or when ctx is done, errQuit after QUIT, and errStopped when a
// statement of a script failed.
//
// Positions in errors count from the first line of the entry typed at the
// prompt (the lines since the last complete statement), and from the first
// line of the input in a script.
func (r *repl) run(ctx context.Context) error {
	var (
		lines     []string // the unfinished input
		lineNo    int      // lines read so far
		startLine int      // line number of lines[0]
		startCol  int      // column where lines[0] starts (after a ';' on its line)
	)
	for {
		if ctx.Err() != nil {
			return nil
		}
		prompt := r.prompt
		if len(lines) > 0 {
			prompt = r.cont
		}
		line, err := r.in.ReadLine(ctx, prompt)
		if errors.Is(err, errInterrupt) {
			lines = nil
			continue
		}
		if err == io.EOF {
			if len(lines) > 0 && r.script && ctx.Err() == nil {
				st := lastStatement(strings.Join(lines, "\n"), 0)
				return r.execText(ctx, []sql.RawStatement{r.shift(st, startLine, startCol)})
			}
			return nil
		}
		if err != nil {
			return err
		}
		lineNo++
		if len(lines) == 0 {
			if isBareQuit(line) {
				return errQuit
			}
			startLine, startCol = lineNo, 1
		}
		lines = append(lines, line)
		text := strings.Join(lines, "\n")
		stmts, rest := sql.Split(text)
		if len(stmts) == 0 {
			if rest == "" { // white space and comments only
				lines = nil
			}
			continue
		}
		for _, e := range historyEntries(lines) {
			r.in.AddHistory(e)
		}
		for i := range stmts {
			stmts[i] = r.shift(stmts[i], startLine, startCol)
		}
		lines = nil
		if rest != "" {
			// What follows the last ';' starts the next statement; it is on
			// the last line read (a ';' ends statements on the line it is on).
			lines = []string{rest}
			startLine, startCol = lineNo, 1
			if !strings.Contains(rest, "\n") {
				startCol = utf8.RuneCountInString(line) - utf8.RuneCountInString(rest) + 1
			}
		}
		if err := r.execText(ctx, stmts); err != nil {
			return err
		}
	}
}

// shift moves a statement found in input that starts at line, col to its
// place in the whole input (a script) or in the current entry (the
// prompt, where line counts from 1).
func (r *repl) shift(st sql.RawStatement, line, col int) sql.RawStatement {
	if st.Start.Line == 1 {
		st.Start.Col += col - 1
	}
	if r.script {
		st.Start.Line += line - 1
	}
	return st
}

// execText runs statements one after the other.
func (r *repl) execText(ctx context.Context, stmts []sql.RawStatement) error {
	for _, st := range stmts {
		if ctx.Err() != nil {
			return nil
		}
		if r.script {
			r.echoStatement(st.Text)
		}
		quit, failed := r.execStatement(ctx, st)
		fmt.Fprintln(r.out)
		if quit {
			return errQuit
		}
		if failed && r.script {
			return errStopped
		}
	}
	return nil
}

// execFile runs a script: its statements in order (the last may lack the
// ';'), stopping at the first failing one.
func (r *repl) execFile(ctx context.Context, path string) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	text := string(raw)
	stmts, rest := sql.Split(text)
	if rest != "" {
		stmts = append(stmts, lastStatement(text, len(text)-len(rest)))
	}
	script := r.script
	r.script = true
	defer func() { r.script = script }()
	err = r.execText(ctx, stmts)
	if errors.Is(err, errStopped) {
		fmt.Fprintf(r.out, "[WARNING] %s: the statements after the failing one were not run.\n\n", path)
	}
	return err
}

// execStatement runs one statement and prints its results. quit reports a
// QUIT statement, failed an error (printed).
func (r *repl) execStatement(ctx context.Context, st sql.RawStatement) (quit, failed bool) {
	sctx, done := r.statementContext(ctx)
	defer done()
	defer func() {
		if p := recover(); p != nil {
			r.log.Error("internal error", "panic", p, "stack", string(debug.Stack()))
			printError(r.out, fmt.Errorf("internal error: %v", p))
			quit, failed = false, true
		}
	}()
	results, err := r.exec.Execute(sctx, positioned(st))
	for _, res := range results {
		if res.Kind == planner.ResultQuit {
			return true, false
		}
		if perr := printResult(sctx, r.out, res); perr != nil {
			printError(r.out, perr)
			failed = true
		}
	}
	if err != nil {
		printError(r.out, err)
		return false, true
	}
	if len(results) == 0 {
		// A statement the parser accepts and drops (BEGIN STATEMENT SET, END).
		fmt.Fprintln(r.out, "[INFO] Execute statement succeeded.")
	}
	return false, failed
}

// statementContext returns the context of one statement: done when ctx is,
// or when SIGINT arrives while the statement runs. Call done afterwards.
func (r *repl) statementContext(ctx context.Context) (context.Context, func()) {
	sctx, cancel := context.WithCancel(ctx)
	if r.interrupts == nil {
		return sctx, cancel
	}
	for drained := false; !drained; { // a Ctrl-C from before this statement
		select {
		case <-r.interrupts:
		default:
			drained = true
		}
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		select {
		case <-r.interrupts:
			cancel()
		case <-sctx.Done():
		}
	}()
	return sctx, func() {
		cancel()
		wg.Wait()
	}
}

// positioned returns a statement's text preceded by white space that puts
// it at its original line and column, so that the positions in errors are
// those of the user's input (a pasted block, a file).
func positioned(st sql.RawStatement) string {
	if st.Start.Line <= 1 && st.Start.Col <= 1 {
		return st.Text
	}
	return strings.Repeat("\n", max(st.Start.Line-1, 0)) + strings.Repeat(" ", max(st.Start.Col-1, 0)) + st.Text
}

// lastStatement returns the unfinished statement that starts at byte
// offset off of text (a script's last statement, without its ';'): from
// its first character that is not white space to the end of text.
func lastStatement(text string, off int) sql.RawStatement {
	p := sql.Pos{Line: 1, Col: 1}
	for i, c := range text {
		if i >= off && !strings.ContainsRune(" \t\r\n", c) {
			p.Offset = i
			return sql.RawStatement{Text: strings.TrimRight(text[i:], " \t\r\n"), Start: p}
		}
		if c == '\n' {
			p.Line, p.Col = p.Line+1, 1
		} else {
			p.Col++
		}
	}
	return sql.RawStatement{Start: p}
}

// echoStatement prints a statement as if it had been typed at the prompt.
func (r *repl) echoStatement(text string) {
	for i, l := range strings.Split(text+";", "\n") {
		p := r.cont
		if i == 0 {
			p = r.prompt
		}
		fmt.Fprintf(r.out, "%s%s\n", p, strings.TrimRight(l, " \t\r"))
	}
}

// isBareQuit reports whether line is quit or exit without a ';' (the
// ksqlDB CLI accepts those; with a ';' the planner answers ResultQuit).
func isBareQuit(line string) bool {
	w := strings.TrimSpace(line)
	return strings.EqualFold(w, "quit") || strings.EqualFold(w, "exit")
}

// historyEntries turns the lines of one entry into history entries: one
// line joining them when that leaves the statements as they were, else
// the lines as typed. Joining is not safe when a string or quoted name
// spans lines (its text would change) or a '--' comment ends a line (it
// would swallow the rest).
func historyEntries(lines []string) []string {
	var kept []string
	for _, l := range lines {
		if strings.TrimSpace(l) != "" {
			kept = append(kept, l)
		}
	}
	if len(kept) <= 1 {
		return kept
	}
	for _, l := range kept {
		if strings.Count(l, "'")%2 != 0 || strings.Count(l, `"`)%2 != 0 || strings.Count(l, "`")%2 != 0 {
			return kept
		}
	}
	trimmed := make([]string, len(kept))
	for i, l := range kept {
		trimmed[i] = strings.TrimSpace(l)
	}
	joined := strings.Join(trimmed, " ")
	orig, origRest := sql.Split(strings.Join(kept, "\n"))
	got, gotRest := sql.Split(joined)
	if len(orig) != len(got) || (origRest == "") != (gotRest == "") {
		return kept
	}
	for i := range orig {
		if strings.Join(strings.Fields(orig[i].Text), " ") != strings.Join(strings.Fields(got[i].Text), " ") {
			return kept
		}
	}
	return []string{joined}
}

// streamReader reads lines from an io.Reader (a pipe, a file, a test). It
// shows no prompt and keeps no history. A goroutine reads ahead one line
// so that ReadLine can return when ctx is done; it ends at the end of the
// input, or after Close unless it is blocked reading.
type streamReader struct {
	lines chan string
	done  chan struct{}
	once  sync.Once
	err   error // set before lines is closed
}

func newStreamReader(r io.Reader) *streamReader {
	s := &streamReader{lines: make(chan string), done: make(chan struct{})}
	go func() {
		defer close(s.lines)
		br := bufio.NewReader(r)
		for {
			line, err := br.ReadString('\n')
			if line != "" || err == nil {
				select {
				case s.lines <- strings.TrimRight(line, "\r\n"):
				case <-s.done:
					return
				}
			}
			if err != nil {
				if err != io.EOF {
					s.err = err
				}
				return
			}
		}
	}()
	return s
}

func (s *streamReader) ReadLine(ctx context.Context, _ string) (string, error) {
	select {
	case line, ok := <-s.lines:
		if !ok {
			if s.err != nil {
				return "", s.err
			}
			return "", io.EOF
		}
		return line, nil
	case <-ctx.Done():
		return "", io.EOF
	}
}

// Close lets the reading goroutine end when the loop stops before the end
// of the input.
func (s *streamReader) Close() { s.once.Do(func() { close(s.done) }) }

func (s *streamReader) AddHistory(string) {}

// termReader reads lines with readline: editing, history (saved per
// statement), Ctrl-R search and Tab completion.
type termReader struct {
	rl    *readline.Instance
	stdin *readline.CancelableStdin
	once  sync.Once
}

func newTermReader(comp readline.AutoCompleter, historyFile string) (*termReader, error) {
	stdin := readline.NewCancelableStdin(os.Stdin)
	rl, err := readline.NewEx(&readline.Config{
		HistoryFile:            historyFile,
		HistoryLimit:           1000,
		DisableAutoSaveHistory: true,
		HistorySearchFold:      true,
		AutoComplete:           comp,
		InterruptPrompt:        "^C",
		EOFPrompt:              "\n",
		Stdin:                  stdin,
	})
	if err != nil {
		stdin.Close()
		return nil, err
	}
	return &termReader{rl: rl, stdin: stdin}, nil
}

func (t *termReader) ReadLine(ctx context.Context, prompt string) (string, error) {
	if ctx.Err() != nil {
		return "", io.EOF
	}
	t.rl.SetPrompt(prompt)
	line, err := t.rl.Readline()
	if err == readline.ErrInterrupt {
		return "", errInterrupt
	}
	return line, err
}

func (t *termReader) AddHistory(entry string) { _ = t.rl.SaveHistory(entry) }

// Close ends a pending ReadLine (which returns io.EOF) and restores the
// terminal. Safe to call more than once and from another goroutine.
func (t *termReader) Close() {
	t.once.Do(func() {
		t.stdin.Close()
		t.rl.Close()
	})
}

// historyFile is ~/.tumble_history, or "" (no history file) without $HOME.
func historyFile() string {
	home := os.Getenv("HOME")
	if home == "" {
		return ""
	}
	return filepath.Join(home, ".tumble_history")
}

func dialectName(d sql.Dialect) string { return planner.DialectOf(d).Rules().Client.Title }

// sqlCmd is `tumble sql`: the REPL on a terminal, or the statements of a
// pipe or redirected file.
func sqlCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("sql", flag.ContinueOnError)
	var files fileList
	fs.Var(&files, "f", "SQL file or directory to execute first, stopping at its first error (repeatable)")
	bootstrap := fs.String("bootstrap", "", "default Kafka bootstrap servers for tables that do not set them")
	kafkaCfg := fs.String("kafka-config", "", "Java properties file of the default cluster's client settings (bootstrap.servers, security.protocol, sasl.*, ssl.*)")
	dataDir := fs.String("data-dir", "", "directory for job checkpoints (enables recovery on restart)")
	registryURL := fs.String("schema-registry", "", "the Schema Registry of AVRO, PROTOBUF and JSON_SR (ksqlDB) formats, e.g. http://127.0.0.1:8081")
	ksql := fs.Bool("ksql", false, "use the ksqlDB dialect instead of Flink SQL")
	serverURL := fs.String("server", "", "run the statements on the tumble server at this URL, http:// or https:// (jobs run there and outlive the client)")
	user := fs.String("user", "", "with --server: the user name for the server's basic auth (the password from --password or $TUMBLE_PASSWORD)")
	fs.StringVar(user, "u", "", "short for --user")
	password := fs.String("password", "", "with --server: the password for --user (default $TUMBLE_PASSWORD)")
	fs.StringVar(password, "p", "", "short for --password")
	caFile := fs.String("tls-ca", "", "with an https:// --server: a PEM file of certificates to trust besides the system's")
	logLevel := fs.String("log-level", "warn", "debug, info, warn or error")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: tumble sql [flags]\n\nThe SQL client. On a terminal, an interactive prompt; with a pipe or a\nredirected file on stdin, it runs the statements and then stays up while\njobs run, until SIGINT/SIGTERM.\n\nWith --server URL the statements run on a tumble server (the prompt talks to\nit as ksql-cli talks to ksqlDB); with -f it submits the files and exits once\nevery statement is accepted (--ksql files are posted whole to /ksql).\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("sql: unexpected arguments %q (use -f FILE)", fs.Args())
	}
	paths, err := expandFiles(files)
	if err != nil {
		return err
	}
	d := sql.Flink
	if *ksql {
		d = sql.KSQL
	}
	cfgBootstrap, kafkaProps, err := kafkaConfig(*kafkaCfg, newLogger(os.Stderr, *logLevel))
	if err != nil {
		return err
	}
	if *bootstrap == "" {
		*bootstrap = cfgBootstrap
	}
	cfg := sqlConfig{bootstrap: *bootstrap, kafkaProps: withRegistry(kafkaProps, *registryURL), dataDir: *dataDir, dialect: d, logLevel: *logLevel, files: paths, server: *serverURL}
	if (*user != "" || *caFile != "") && cfg.server == "" {
		return errors.New("sql: --user, --password and --tls-ca go with --server")
	}
	if *password == "" {
		*password = os.Getenv("TUMBLE_PASSWORD")
	}
	if *password != "" && *user == "" {
		return errors.New("sql: --password needs --user")
	}
	if cfg.server != "" {
		cl, err := remoteClient(*user, *password, *caFile)
		if err != nil {
			return fmt.Errorf("sql: %w", err)
		}
		cfg.client = cl
	}
	if cfg.server != "" {
		// Submitting files waits for a server that is still starting.
		wait := 2 * time.Second
		if len(paths) > 0 {
			wait = 60 * time.Second
		}
		if err := newRemoteExecutor(cfg.server, d, cfg.client).ping(ctx, wait); err != nil {
			return err
		}
		if len(paths) > 0 {
			return cfg.submit(ctx, os.Stdout)
		}
	}
	if readline.IsTerminal(int(os.Stdin.Fd())) {
		return cfg.interactive(ctx)
	}
	return cfg.batch(ctx, os.Stdin, os.Stdout, os.Stderr)
}

// termOut is the REPL's output when it is a terminal.
type termOut struct {
	io.Writer
	fd int
}

func (t termOut) Size() (width, height int) {
	w, h, err := readline.GetSize(t.fd)
	if err != nil || w <= 0 || h <= 0 {
		return 80, 24
	}
	return w, h
}

var _ terminal = termOut{}

type sqlConfig struct {
	bootstrap, dataDir string
	kafkaProps         map[string]string
	dialect            sql.Dialect
	logLevel           string
	files              []string
	// server, when set, is the URL of the tumble server that runs the
	// statements (remoteExecutor) instead of this process; client talks
	// to it (credentials, trusted certificates).
	server string
	client *http.Client
}

// submit sends the files to the server and returns once every statement
// was accepted (jobs keep running there), or at the first refused one.
// ksqlDB files are posted whole to /ksql, as ksqlDB's clients do; Flink
// files run statement by statement as in a script.
func (c sqlConfig) submit(ctx context.Context, out io.Writer) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	remote := newRemoteExecutor(c.server, c.dialect, c.client)
	if planner.DialectOf(c.dialect).Rules().Client.WholeFiles {
		for _, p := range c.files {
			raw, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			if err := remote.postKSQLFile(ctx, out, p, string(raw)); err != nil {
				return err
			}
		}
		return nil
	}
	in := newStreamReader(strings.NewReader(""))
	defer in.Close()
	r := newREPL(remote, in, out, c.dialect)
	r.log = newLogger(os.Stderr, c.logLevel)
	for _, p := range c.files {
		if err := r.execFile(ctx, p); err != nil {
			if errors.Is(err, errStopped) {
				return fmt.Errorf("%s: stopped at the first failing statement", p)
			}
			return err
		}
	}
	return nil
}

// executor returns the executor of a session: the server's when --server
// was given, else one over a runtime of this process (rt, nil for a server).
func (c sqlConfig) executor(jobsCtx context.Context, out io.Writer, log *slog.Logger) (executor, *runtime) {
	if c.server != "" {
		return newRemoteExecutor(c.server, c.dialect, c.client), nil
	}
	rt := newRuntime(jobsCtx, c.bootstrap, c.dataDir, out, log)
	rt.kafkaProps = c.kafkaProps
	return newEmbeddedExecutor(rt, c.dialect), rt
}

// interactive runs the REPL on the terminal until Ctrl-D, QUIT, SIGTERM
// or SIGHUP, then stops the jobs it started.
func (c sqlConfig) interactive(ctx context.Context) error {
	var exec executor
	comp := newCompleter(c.dialect, func() []string { return exec.Names() })
	in, err := newTermReader(comp, historyFile())
	if err != nil {
		return err
	}
	defer in.Close()
	var out io.Writer = in.rl.Stdout()
	if fd := int(os.Stdout.Fd()); readline.IsTerminal(fd) {
		out = termOut{Writer: out, fd: fd} // the table result mode redraws on it
	}
	log := newLogger(in.rl.Stderr(), c.logLevel)
	jobsCtx, cancelJobs := context.WithCancel(context.Background())
	defer cancelJobs()
	exec, rt := c.executor(jobsCtx, out, log)

	r := newREPL(exec, in, out, c.dialect)
	r.log = log
	// SIGINT arrives only while readline is not reading (it reads in raw
	// mode, where Ctrl-C is a key): while a statement runs. Catching it for
	// the whole session also keeps a stray Ctrl-C from killing the process.
	sigint := make(chan os.Signal, 1)
	signal.Notify(sigint, os.Interrupt)
	defer signal.Stop(sigint)
	r.interrupts = sigint
	loopCtx, stopLoop := signal.NotifyContext(ctx, syscall.SIGTERM, syscall.SIGHUP)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		<-loopCtx.Done()
		in.Close() // unblocks a pending ReadLine
	}()

	where := ""
	if c.server != "" {
		where = " on " + c.server
	}
	fmt.Fprintf(out, "Tumble SQL client, %s dialect%s. Type HELP; for help, Ctrl-D to quit.\n\n", dialectName(c.dialect), where)
	for _, p := range c.files {
		if err = r.execFile(loopCtx, p); err != nil {
			break
		}
	}
	if err == nil || errors.Is(err, errStopped) {
		err = r.run(loopCtx)
	}
	signalled := loopCtx.Err() != nil
	stopLoop()
	wg.Wait()
	// readline is closed now; its writer would redraw a prompt.
	out = os.Stdout
	if signalled {
		fmt.Fprintln(out)
	}
	if err != nil && !errors.Is(err, errQuit) {
		fmt.Fprintln(out, "tumble:", err)
	}
	if rt != nil {
		if n := runningJobs(rt); n > 0 {
			fmt.Fprintf(out, "Stopping %d job(s)...\n", n)
		}
		rt.jobs.StopAll()
	}
	fmt.Fprintln(out, "Goodbye!")
	return nil
}

// batch runs the statements of a non-terminal stdin as they arrive, then,
// while jobs run, waits for SIGINT/SIGTERM as `tumble run` does. It stops
// at the first failing statement and returns an error.
func (c sqlConfig) batch(ctx context.Context, stdin io.Reader, stdout, stderr io.Writer) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := newLogger(stderr, c.logLevel)
	jobsCtx, cancelJobs := context.WithCancel(context.Background())
	defer cancelJobs()
	exec, rt := c.executor(jobsCtx, stdout, log)
	if rt != nil {
		defer rt.jobs.StopAll()
	}
	in := newStreamReader(stdin)
	defer in.Close()
	r := newREPL(exec, in, stdout, c.dialect)
	r.log, r.script = log, true
	var err error
	for _, p := range c.files {
		if err = r.execFile(ctx, p); err != nil {
			break
		}
	}
	if err == nil {
		err = r.run(ctx)
	}
	switch {
	case errors.Is(err, errStopped):
		return errors.New("stopped at the first failing statement")
	case err != nil && !errors.Is(err, errQuit):
		return err
	}
	if ctx.Err() != nil || rt == nil {
		return nil // a server's jobs keep running there
	}
	return waitJobs(ctx, rt, false)
}

// runningJobs counts the jobs that are still running.
func runningJobs(rt *runtime) int {
	n := 0
	for _, j := range rt.jobs.List() {
		if j.Job.Status() == engine.Running {
			n++
		}
	}
	return n
}
