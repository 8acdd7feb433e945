package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/expr"
	"github.com/tumble/tumble/engine/types"
	"github.com/tumble/tumble/planner"
	"github.com/tumble/tumble/sql"
)

// maxColumnWidth is Flink's sql-client.display.max-column-width default.
const maxColumnWidth = 30

// printResult writes a statement result the way Flink's SQL client does.
// For a streaming SELECT it prints rows until the query ends or ctx is done,
// then cancels the query.
func printResult(ctx context.Context, w io.Writer, r *planner.Result) error {
	for _, warning := range r.Warnings {
		fmt.Fprintf(w, "[WARNING] %s\n", warning)
	}
	switch r.Kind {
	case planner.ResultOK:
		if strings.Contains(r.Message, "\n") {
			fmt.Fprintln(w, r.Message)
		} else {
			fmt.Fprintf(w, "[INFO] %s\n", r.Message)
		}
	case planner.ResultJob:
		fmt.Fprintln(w, "[INFO] Submitting SQL update statement to the cluster...")
		fmt.Fprintln(w, "[INFO] SQL update statement has been successfully submitted to the cluster:")
		fmt.Fprintf(w, "Job ID: %s\n", r.JobID)
	case planner.ResultExplain:
		fmt.Fprint(w, r.Message)
	case planner.ResultTable:
		printTable(w, r.Columns, r.Rows)
	case planner.ResultRows:
		return streamRows(ctx, w, r.Stream)
	}
	return nil
}

// printError writes an error as Flink's client does.
func printError(w io.Writer, err error) {
	fmt.Fprintln(w, "[ERROR] Could not execute SQL statement. Reason:")
	fmt.Fprintln(w, errorText(err))
}

func errorText(err error) string {
	var se *sql.Error
	if errors.As(err, &se) {
		return se.Error()
	}
	return err.Error()
}

func pad(s string, width int, right bool) string {
	n := utf8.RuneCountInString(s)
	if n > width {
		r := []rune(s)
		return string(r[:width-3]) + "..."
	}
	if right {
		return strings.Repeat(" ", width-n) + s
	}
	return s + strings.Repeat(" ", width-n)
}

func border(widths []int) string {
	var sb strings.Builder
	sb.WriteString("+")
	for _, w := range widths {
		sb.WriteString(strings.Repeat("-", w+2))
		sb.WriteString("+")
	}
	return sb.String()
}

func rowLine(cells []string, widths []int, right bool) string {
	var sb strings.Builder
	sb.WriteString("|")
	for i, c := range cells {
		sb.WriteString(" " + pad(c, widths[i], right) + " |")
	}
	return sb.String()
}

// printTable prints a bounded result in a box, cells aligned right as
// Flink's client aligns them.
func printTable(w io.Writer, cols []string, rows [][]string) { printBox(w, cols, rows, 0) }

// printBox prints rows in a box; with maxWidth > 0 no column is wider
// (longer cells end in "...").
func printBox(w io.Writer, cols []string, rows [][]string, maxWidth int) {
	if len(rows) == 0 {
		fmt.Fprintln(w, "Empty set")
		return
	}
	widths := make([]int, len(cols))
	for i, c := range cols {
		widths[i] = utf8.RuneCountInString(c)
	}
	for _, r := range rows {
		for i, c := range r {
			if i < len(widths) {
				widths[i] = max(widths[i], utf8.RuneCountInString(c))
			}
		}
	}
	if maxWidth > 0 {
		for i := range widths {
			widths[i] = min(widths[i], maxWidth)
		}
	}
	fmt.Fprintln(w, border(widths))
	fmt.Fprintln(w, rowLine(cols, widths, true))
	fmt.Fprintln(w, border(widths))
	for _, r := range rows {
		fmt.Fprintln(w, rowLine(r, widths, true))
	}
	fmt.Fprintln(w, border(widths))
	if len(rows) == 1 {
		fmt.Fprintln(w, "1 row in set")
	} else {
		fmt.Fprintf(w, "%d rows in set\n", len(rows))
	}
}

// typeWidth is the display width Flink's tableau mode gives a type.
func typeWidth(t types.Type) int {
	switch t.Kind {
	case types.Boolean:
		return 5
	case types.TinyInt:
		return 4
	case types.SmallInt:
		return 6
	case types.Int:
		return 11
	case types.BigInt:
		return 20
	case types.Float, types.Double:
		return 22
	case types.Decimal:
		return t.Precision + 2
	case types.Date:
		return 10
	case types.Time:
		return 8 + fractionWidth(t.Precision)
	case types.Timestamp, types.TimestampLTZ:
		return 19 + fractionWidth(t.Precision)
	}
	return 0 // text: as wide as the display allows
}

// fractionWidth is the width of a fraction of seconds of precision p
// (".123"), none for 0.
func fractionWidth(p int) int {
	if p == 0 {
		return 0
	}
	return p + 1
}

// formatValue renders a value for display as Flink's client does: NULL as
// <NULL>, TIMESTAMP_LTZ in the session's time zone (loc; nil for UTC).
func formatValue(v types.Value, t types.Type, loc *time.Location) string {
	if v.IsNull() {
		return "<NULL>"
	}
	if t.Kind == types.TimestampLTZ && loc != nil {
		return types.FormatTimestamp(types.ToWallClock(v.I, loc), t.Precision, ' ')
	}
	return expr.ToText(v, t, expr.TextSQL)
}

// streamRows prints SELECT rows as sql-client.execution.result-mode
// says: tableau (each change as it comes, in a box with the op column),
// changelog (each change as a line with its op, no box) or table (the
// materialized result: a screen updated in place on a terminal, the final
// table otherwise). In batch mode the final rows are printed as a table.
func streamRows(ctx context.Context, w io.Writer, st *planner.Stream) error {
	maxWidth := st.MaxColumnWidth
	if maxWidth <= 0 {
		maxWidth = maxColumnWidth
	}
	switch {
	case st.Batch:
		return batchRows(ctx, w, st, maxWidth)
	case st.Mode == "table":
		return tableRows(ctx, w, st, maxWidth)
	case st.Mode == "changelog":
		return changelogRows(ctx, w, st, maxWidth)
	}
	return tableauRows(ctx, w, st, maxWidth)
}

// opColumns are the header and widths of a changelog with its op column:
// text columns as wide as the display allows, the others as their type
// needs (Flink's tableau widths).
func opColumns(st *planner.Stream, maxWidth int) (cols []string, widths []int) {
	cols, widths = []string{"op"}, []int{2}
	for _, c := range st.Columns {
		tw := typeWidth(c.Type)
		if tw == 0 {
			tw = maxWidth
		}
		cols = append(cols, c.Name)
		widths = append(widths, max(utf8.RuneCountInString(c.Name), tw))
	}
	return cols, widths
}

// cells renders a row's values for display.
func cells(st *planner.Stream, row types.Row) []string {
	out := make([]string, len(row))
	for i, v := range row {
		out[i] = formatValue(v, st.Columns[i].Type, st.Loc)
	}
	return out
}

func rowsWord(n int) string {
	if n == 1 {
		return "row"
	}
	return "rows"
}

// tableauRows prints Flink's tableau format: a box with the op column, a
// line per change as it arrives, then "Received a total of N rows".
func tableauRows(ctx context.Context, w io.Writer, st *planner.Stream, maxWidth int) error {
	cols, widths := opColumns(st, maxWidth)
	fmt.Fprintln(w, border(widths))
	fmt.Fprintln(w, rowLine(cols, widths, true))
	fmt.Fprintln(w, border(widths))
	n := 0
	defer st.Cancel()
	for {
		select {
		case <-ctx.Done():
			fmt.Fprintln(w, border(widths))
			fmt.Fprintf(w, "Received a total of %d rows (query cancelled)\n", n)
			return nil
		case rec, ok := <-st.Rows:
			if !ok {
				fmt.Fprintln(w, border(widths))
				if err := st.Err(); err != nil {
					return err
				}
				fmt.Fprintf(w, "Received a total of %d %s\n", n, rowsWord(n))
				return nil
			}
			fmt.Fprintln(w, rowLine(append([]string{rec.Kind.String()}, cells(st, rec.Row)...), widths, true))
			n++
		}
	}
}

// changelogRows prints each change as a line, its op first, under a
// header line, without a box (the lines of Flink's changelog view).
func changelogRows(ctx context.Context, w io.Writer, st *planner.Stream, maxWidth int) error {
	cols, widths := opColumns(st, maxWidth)
	line := func(cells []string) string {
		var sb strings.Builder
		for i, c := range cells {
			sb.WriteString(" " + pad(c, widths[i], true))
		}
		return sb.String()
	}
	fmt.Fprintln(w, line(cols))
	defer st.Cancel()
	for {
		select {
		case <-ctx.Done():
			return nil
		case rec, ok := <-st.Rows:
			if !ok {
				return st.Err()
			}
			fmt.Fprintln(w, line(append([]string{rec.Kind.String()}, cells(st, rec.Row)...)))
		}
	}
}

// materialized is a changelog applied to a table, as Flink's client
// materializes a result: +I and +U append a row, -U and -D remove the
// newest equal row; past max rows (0: no bound) the oldest go.
type materialized struct {
	rows [][]string
	max  int
}

func (m *materialized) apply(kind engine.RowKind, cells []string) {
	if !kind.IsRetract() {
		m.rows = append(m.rows, cells)
		if m.max > 0 && len(m.rows) > m.max {
			m.rows = m.rows[len(m.rows)-m.max:]
		}
		return
	}
	for i := len(m.rows) - 1; i >= 0; i-- {
		if slices.Equal(m.rows[i], cells) {
			m.rows = append(m.rows[:i], m.rows[i+1:]...)
			return
		}
	}
}

// batchRows collects a batch query's rows, applying retractions, and
// prints them as a table whose columns are as wide as their contents, up
// to maxWidth.
func batchRows(ctx context.Context, w io.Writer, st *planner.Stream, maxWidth int) error {
	defer st.Cancel()
	m := &materialized{}
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case rec, ok := <-st.Rows:
			if !ok {
				if err := st.Err(); err != nil {
					return err
				}
				printBox(w, columnNames(st), m.rows, maxWidth)
				return nil
			}
			m.apply(rec.Kind, cells(st, rec.Row))
		}
	}
}

func columnNames(st *planner.Stream) []string {
	cols := make([]string, len(st.Columns))
	for i, c := range st.Columns {
		cols[i] = c.Name
	}
	return cols
}

// terminal is an output that is a terminal: the table mode redraws the
// result in place on it.
type terminal interface {
	io.Writer
	// Size returns the terminal's width and height in characters.
	Size() (width, height int)
}

// tableRefresh is how often the table mode redraws a changed result.
var tableRefresh = 250 * time.Millisecond

// tableRows materializes the changelog into a table. On a terminal the
// table is redrawn in place (on the alternate screen, as Flink's table
// view) while rows arrive; when the query ends or is cancelled the final
// table is printed, as it is when the output is not a terminal.
func tableRows(ctx context.Context, w io.Writer, st *planner.Stream, maxWidth int) error {
	defer st.Cancel()
	m := &materialized{max: st.MaxTableRows}
	term, live := w.(terminal)
	if live {
		fmt.Fprint(w, "\x1b[?1049h") // the alternate screen
	}
	tick := time.NewTicker(tableRefresh)
	defer tick.Stop()
	dirty, cancelled, changes := live, false, 0
loop:
	for {
		select {
		case <-ctx.Done():
			cancelled = true
			break loop
		case rec, ok := <-st.Rows:
			if !ok {
				break loop
			}
			m.apply(rec.Kind, cells(st, rec.Row))
			dirty = true
			changes++
		case <-tick.C:
			if live && dirty {
				drawTable(term, st, m.rows, maxWidth, changes)
				dirty = false
			}
		}
	}
	if live {
		fmt.Fprint(w, "\x1b[?1049l")
	}
	if !cancelled {
		if err := st.Err(); err != nil {
			return err
		}
	}
	printBox(w, columnNames(st), m.rows, maxWidth)
	if cancelled {
		fmt.Fprintln(w, "Query cancelled: the table as it was then.")
	}
	return nil
}

// drawTable redraws the live table: a status line, then the newest rows
// that fit the terminal's height.
func drawTable(term terminal, st *planner.Stream, rows [][]string, maxWidth, changes int) {
	_, height := term.Size()
	fit := max(height-7, 1) // status, blank line, header box (3), bottom border, last line
	shown := rows
	if len(shown) > fit {
		shown = shown[len(shown)-fit:]
	}
	var b strings.Builder
	b.WriteString("\x1b[H\x1b[2J")
	fmt.Fprintf(&b, "SQL Query Result (Table)   Refresh: %s   Updated: %s   Rows: %d   Changes: %d   Ctrl-C: stop\n\n",
		tableRefresh, time.Now().Format("15:04:05.000"), len(rows), changes)
	if len(shown) < len(rows) {
		fmt.Fprintf(&b, "(the newest %d of %d rows)\n", len(shown), len(rows))
	}
	var box strings.Builder
	printBox(&box, columnNames(st), shown, maxWidth)
	b.WriteString(box.String())
	io.WriteString(term, b.String())
}
