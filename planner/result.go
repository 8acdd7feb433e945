package planner

import (
	"strconv"
	"strings"
	"time"

	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/sql"
)

// ResultKind says what a Result carries.
type ResultKind int

const (
	ResultOK      ResultKind = iota // a message
	ResultTable                     // Columns and Rows
	ResultJob                       // JobID: a job was submitted
	ResultRows                      // Stream: a SELECT streaming rows
	ResultExplain                   // Message holds the plan
	ResultQuit
)

// Result is the outcome of one statement.
type Result struct {
	Kind      ResultKind
	Message   string
	Columns   []string
	Rows      [][]string
	JobID     string
	Stream    *Stream
	Statement sql.Statement
	// Warnings are shown before the result ([WARNING] lines): a setting
	// Tumble does not read, a deprecated key.
	Warnings []string
	// KSQL is set for ksqlDB-dialect statements: what ksqlDB's REST API
	// returns for them.
	KSQL *KSQLEntity
}

// Stream is a running SELECT: rows arrive on Rows until the query ends or
// Cancel is called; Rows is then closed. Err tells why it ended.
type Stream struct {
	Columns []Field
	Rows    <-chan engine.Rec
	Cancel  func()
	Job     *engine.Job
	// Batch is set in batch runtime mode: the client shows the final rows
	// as a table, without the changelog.
	Batch bool
	// MaxColumnWidth is the session's table.display.max-column-width (0:
	// Flink's default, 30).
	MaxColumnWidth int
	// Loc is the session time zone (table.local-time-zone), in which
	// TIMESTAMP_LTZ values are shown.
	Loc *time.Location
	// Mode is sql-client.execution.result-mode: "tableau" (the default),
	// "changelog" or "table".
	Mode string
	// MaxTableRows bounds the rows the table mode keeps
	// (sql-client.execution.max-table-result.rows; 0: no bound).
	MaxTableRows int
	// Changelog is the changelog the rows form: insert-only, retracting
	// (-U and -D carry the row they take back) or upserting.
	Changelog Changelog
	// SourceErr, when set, is the error of a stream that no job produces
	// (PRINT's reader of a topic).
	SourceErr func() error
}

// Display sets how the client shows the stream from session settings
// (the session's own, or those a remote client keeps).
func (st *Stream) Display(settings map[string]string) {
	get := func(key string) string {
		if v, ok := settings[key]; ok {
			return strings.TrimSpace(v)
		}
		def, _ := LookupSetting(sql.Flink, key)
		return def.Default
	}
	st.Batch = strings.EqualFold(get("execution.runtime-mode"), "batch")
	st.Mode = strings.ToLower(get("sql-client.execution.result-mode"))
	if n, err := strconv.Atoi(get("table.display.max-column-width")); err == nil && n > 0 {
		st.MaxColumnWidth = n
	}
	if n, err := strconv.Atoi(get("sql-client.execution.max-table-result.rows")); err == nil && n > 0 {
		st.MaxTableRows = n
	}
	st.Loc = time.Local
	if tz := get("table.local-time-zone"); tz != "" && tz != "default" {
		if loc, err := time.LoadLocation(tz); err == nil {
			st.Loc = loc
		}
	}
}

// Err returns the error that ended the stream (the job's, or that of
// whatever else produced the rows) after Rows is closed.
func (st *Stream) Err() error {
	if st.SourceErr != nil {
		if err := st.SourceErr(); err != nil {
			return err
		}
	}
	if st.Job == nil {
		return nil
	}
	return st.Job.Err()
}

// ok is the standard success answer.
func ok(msg string) *Result { return &Result{Kind: ResultOK, Message: msg} }
