package session

import (
	"context"
	"fmt"
	"slices"

	"github.com/tumble/tumble/engine/expr"
	"github.com/tumble/tumble/planner"
)

// QueryRows runs text, one bounded query, and returns its final rows (its
// changelog applied: a retraction removes the last equal row), each cell
// as SQL text ("NULL" for NULL), in the order they came out. It blocks
// until the query ends or ctx is done. The test runners of the other
// engines' suites compare results through it.
func (s *Session) QueryRows(ctx context.Context, text string) ([][]string, error) {
	res, err := s.ExecuteText(ctx, text)
	if err != nil {
		return nil, err
	}
	if len(res) != 1 || res[0].Kind != planner.ResultRows {
		return nil, fmt.Errorf("not a query")
	}
	st := res[0].Stream
	defer st.Cancel()
	var rows [][]string
	for {
		select {
		case rec, ok := <-st.Rows:
			if !ok {
				return rows, st.Err()
			}
			cells := make([]string, len(rec.Row))
			for i, v := range rec.Row {
				if v.IsNull() {
					cells[i] = "NULL"
				} else {
					cells[i] = expr.ToText(v, st.Columns[i].Type, expr.TextSQL)
				}
			}
			if !rec.Kind.IsRetract() {
				rows = append(rows, cells)
				continue
			}
			for i := len(rows) - 1; i >= 0; i-- {
				if slices.Equal(rows[i], cells) {
					rows = append(rows[:i], rows[i+1:]...)
					break
				}
			}
		case <-ctx.Done():
			return nil, fmt.Errorf("query did not finish: %w", ctx.Err())
		}
	}
}
