package connect

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tumble/tumble/engine/types"
	"github.com/tumble/tumble/spark/plan"
)

// showString is show()'s table: a header, the first n rows, cells cut to
// truncate characters (right-aligned when truncating, as Spark does),
// and "only showing top n rows" when there were more.
func showString(cols []plan.Col, rows []types.Row, n, truncate int, vertical bool, loc *time.Location) string {
	more := len(rows) > n
	if more {
		rows = rows[:n]
	}
	cell := func(v types.Value, t types.Type) string {
		s := "NULL"
		if !v.IsNull() {
			s = plan.ShowValue(v, t, loc)
		}
		if truncate > 0 && utf8.RuneCountInString(s) > truncate {
			r := []rune(s)
			if truncate < 4 {
				s = string(r[:truncate])
			} else {
				s = string(r[:truncate-3]) + "..."
			}
		}
		return s
	}
	grid := make([][]string, len(rows)+1)
	grid[0] = make([]string, len(cols))
	for i, c := range cols {
		grid[0][i] = c.Name
	}
	for r, row := range rows {
		grid[r+1] = make([]string, len(cols))
		for i, c := range cols {
			grid[r+1][i] = cell(row[i], c.Type)
		}
	}
	var sb strings.Builder
	if vertical {
		w := 0
		for _, h := range grid[0] {
			w = max(w, utf8.RuneCountInString(h))
		}
		for r := 1; r < len(grid); r++ {
			fmt.Fprintf(&sb, "-RECORD %d%s\n", r-1, strings.Repeat("-", 10))
			for i, v := range grid[r] {
				fmt.Fprintf(&sb, " %-*s | %s \n", w, grid[0][i], v)
			}
		}
		if len(rows) == 0 {
			sb.WriteString("(0 rows)\n")
		}
	} else {
		widths := make([]int, len(cols))
		for _, line := range grid {
			for i, v := range line {
				widths[i] = max(widths[i], 3, utf8.RuneCountInString(v))
			}
		}
		sep := "+"
		for _, w := range widths {
			sep += strings.Repeat("-", w) + "+"
		}
		sb.WriteString(sep + "\n")
		for r, line := range grid {
			sb.WriteString("|")
			for i, v := range line {
				pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(v))
				if truncate > 0 {
					sb.WriteString(pad + v + "|")
				} else {
					sb.WriteString(v + pad + "|")
				}
			}
			sb.WriteString("\n")
			if r == 0 {
				sb.WriteString(sep + "\n")
			}
		}
		sb.WriteString(sep + "\n")
	}
	if more {
		word := "rows"
		if n == 1 {
			word = "row"
		}
		fmt.Fprintf(&sb, "only showing top %d %s\n", n, word)
	}
	return sb.String()
}
