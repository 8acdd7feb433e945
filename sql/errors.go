package sql

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"
)

// lineIndex turns byte offsets of a text into line/column positions. It
// is not safe for concurrent use (it caches the last lookup).
type lineIndex struct {
	src    string
	starts []int  // offsets where lines start
	ascii  []int8 // per line: 0 unknown, 1 ASCII only, 2 not
	// last lookup on a non-ASCII line, to count characters from there.
	lastLine, lastOff, lastCol int
}

func newLineIndex(src string) *lineIndex {
	li := &lineIndex{src: src, starts: []int{0}, lastLine: -1}
	for i := 0; i < len(src); i++ {
		if src[i] == '\n' {
			li.starts = append(li.starts, i+1)
		}
	}
	li.ascii = make([]int8, len(li.starts))
	return li
}

// pos returns the position of byte offset off; the column counts
// characters, not bytes.
func (li *lineIndex) pos(off int) Pos {
	if off < 0 {
		off = 0
	}
	if off > len(li.src) {
		off = len(li.src)
	}
	line := sort.Search(len(li.starts), func(i int) bool { return li.starts[i] > off }) - 1
	start := li.starts[line]
	if li.ascii[line] == 0 {
		end := len(li.src)
		if line+1 < len(li.starts) {
			end = li.starts[line+1]
		}
		li.ascii[line] = 1
		for i := start; i < end; i++ {
			if li.src[i] >= utf8.RuneSelf {
				li.ascii[line] = 2
				break
			}
		}
	}
	if li.ascii[line] == 1 {
		return Pos{Line: line + 1, Col: off - start + 1, Offset: off}
	}
	from, col := start, 1
	if li.lastLine == line && li.lastOff <= off {
		from, col = li.lastOff, li.lastCol
	}
	col += utf8.RuneCountInString(li.src[from:off])
	li.lastLine, li.lastOff, li.lastCol = line, off, col
	return Pos{Line: line + 1, Col: col, Offset: off}
}

// parseError is the panic value used inside the package to abort a
// statement; it is recovered at the statement boundary.
type parseError struct{ err *Error }

// nearText shortens a token text for Error.Near.
func nearText(s string) string {
	const max = 40
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "..."
	}
	return s
}

// describe names a token for a message: `"FORM"` or "end of statement".
func describe(t token) string {
	if t.kind == tkEOF {
		return "end of statement"
	}
	return fmt.Sprintf("%q", nearText(t.text))
}

// keywordsForHints are the words a misspelling is compared with.
var keywordsForHints = []string{
	"SELECT", "FROM", "WHERE", "GROUP", "HAVING", "ORDER", "LIMIT", "JOIN",
	"INNER", "LEFT", "RIGHT", "FULL", "OUTER", "CROSS", "UNION", "DISTINCT",
	"BETWEEN", "LIKE", "CASE", "WHEN", "THEN", "ELSE", "INTERVAL", "CAST",
	"WINDOW", "TUMBLING", "HOPPING", "SESSION", "EMIT", "CHANGES", "FINAL",
	"PARTITION", "CREATE", "TABLE", "STREAM", "VIEW", "INSERT", "INTO",
	"WITH", "WATERMARK", "PRIMARY", "METADATA", "EXPLAIN", "DESCRIBE",
	"SHOW", "DROP", "VALUES", "REPLACE", "EXISTS", "ENFORCED", "TUMBLE",
	"DESCRIPTOR", "SECOND", "SECONDS", "MINUTE", "MINUTES", "HOUR", "HOURS",
	"TERMINATE", "PRINT", "OVERWRITE", "COMMENT", "GRACE", "PERIOD", "SIZE",
	"ADVANCE", "RETENTION", "NULL", "NOT", "AND",
}

// suggest returns a keyword that word is probably a misspelling of, or "".
func suggest(word string) string {
	w := strings.ToUpper(word)
	if len(w) < 3 {
		return ""
	}
	best, bestD := "", 3
	for _, k := range keywordsForHints {
		if k == w {
			return ""
		}
		d := editDistance(w, k)
		limit := 1
		if len(k) >= 6 {
			limit = 2
		}
		if d <= limit && d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

// editDistance is the optimal string alignment distance (insertions,
// deletions, substitutions and adjacent transpositions).
func editDistance(a, b string) int {
	if len(a) > 30 || len(b) > 30 {
		return 99
	}
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := 0; j <= len(b); j++ {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}
