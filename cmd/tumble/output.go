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

// streamRows prints SELECT rows in Flink's tableau style: in streaming
// mode each change as it comes, with the op column; in batch mode the
// final rows as a table.
func streamRows(ctx context.Context, w io.Writer, st *planner.Stream) error {
	maxWidth := st.MaxColumnWidth
	if maxWidth <= 0 {
		maxWidth = maxColumnWidth
	}
	if st.Batch {
		return batchRows(ctx, w, st, maxWidth)
	}
	cols := append([]string{"op"}, make([]string, len(st.Columns))...)
	widths := []int{2}
	for i, c := range st.Columns {
		cols[i+1] = c.Name
		// Text columns are as wide as the display allows; the others as
		// their type needs.
		tw := typeWidth(c.Type)
		if tw == 0 {
			tw = maxWidth
		}
		widths = append(widths, max(utf8.RuneCountInString(c.Name), tw))
	}
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
				fmt.Fprintf(w, "Received a total of %d row%s\n", n, map[bool]string{true: "", false: "s"}[n == 1])
				return nil
			}
			cells := []string{rec.Kind.String()}
			for i, v := range rec.Row {
				cells = append(cells, formatValue(v, st.Columns[i].Type, st.Loc))
			}
			fmt.Fprintln(w, rowLine(cells, widths, true))
			n++
		}
	}
}

// batchRows collects a batch query's rows, applying retractions, and
// prints them as a table whose columns are as wide as their contents, up
// to maxWidth.
func batchRows(ctx context.Context, w io.Writer, st *planner.Stream, maxWidth int) error {
	defer st.Cancel()
	var rows [][]string
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case rec, ok := <-st.Rows:
			if !ok {
				if err := st.Err(); err != nil {
					return err
				}
				cols := make([]string, len(st.Columns))
				for i, c := range st.Columns {
					cols[i] = c.Name
				}
				printBox(w, cols, rows, maxWidth)
				return nil
			}
			cells := make([]string, len(rec.Row))
			for i, v := range rec.Row {
				cells[i] = formatValue(v, st.Columns[i].Type, st.Loc)
			}
			if !rec.Kind.IsRetract() {
				rows = append(rows, cells)
				continue
			}
			for i, r := range rows {
				if slices.Equal(r, cells) {
					rows = append(rows[:i], rows[i+1:]...)
					break
				}
			}
		}
	}
}

var _ = engine.Insert
