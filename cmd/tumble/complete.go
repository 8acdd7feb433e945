package main

import (
	"slices"
	"strings"
	"unicode"

	"github.com/tumble/tumble/engine/expr"
	"github.com/tumble/tumble/planner"
	"github.com/tumble/tumble/sql"
)

// Tab completion for the REPL: SQL keywords of the dialect, the names in
// the catalog and the function names, matched case-insensitively against
// the word under the cursor. Inside a single-quoted string it completes
// connector option keys instead ('properties.bootstrap.servers').

// commonKeywords are words and phrases both dialects accept.
var commonKeywords = []string{
	"ALL", "AND", "AS", "ASC", "BETWEEN", "BIGINT", "BOOLEAN", "BY", "CASE", "CAST",
	"CHAR", "CREATE", "CREATE TABLE", "CROSS JOIN", "DATE", "DAY", "DAYS", "DECIMAL",
	"DESC", "DESCRIBE", "DISTINCT", "DOUBLE", "DROP", "DROP TABLE", "ELSE", "END",
	"EXISTS", "EXIT", "EXPLAIN", "FALSE", "FLOAT", "FROM", "FULL OUTER JOIN",
	"GROUP BY", "HAVING", "HELP", "HOUR", "HOURS", "IF EXISTS", "IF NOT EXISTS",
	"IN", "INNER JOIN", "INSERT INTO", "INT", "INTEGER", "INTERVAL", "IS", "IS NOT NULL",
	"IS NULL", "JOIN", "KEY", "LEFT JOIN", "LIKE", "LIMIT", "MILLISECOND",
	"MILLISECONDS", "MINUTE", "MINUTES", "NOT", "NULL", "ON", "OR", "OR REPLACE",
	"ORDER BY", "PARTITION BY", "PRIMARY KEY", "QUIT", "RIGHT JOIN", "SECOND",
	"SECONDS", "SELECT", "SET", "SHOW", "SHOW FUNCTIONS", "SHOW TABLES", "SMALLINT",
	"STRING", "TABLE", "THEN", "TIME", "TIMESTAMP", "TINYINT", "TRUE", "UNION ALL",
	"VALUES", "VARCHAR", "WHEN", "WHERE", "WITH",
}

// aggregateNames are the aggregate functions (the scalar ones come from
// expr.FunctionNames).
var aggregateNames = []string{
	"AVG", "COLLECT_LIST", "COLLECT_SET", "COUNT", "COUNT_DISTINCT",
	"EARLIEST_BY_OFFSET", "FIRST_VALUE", "LAST_VALUE", "LATEST_BY_OFFSET", "LISTAGG",
	"MAX", "MIN", "STDDEV", "STDDEV_POP", "STDDEV_SAMP", "SUM", "VAR_POP", "VAR_SAMP",
	"VARIANCE",
}

// connectorOptions complete inside quotes in every dialect, with the
// dialect's own options (dialect.Client.Options) and its SET keys: the
// connectors' WITH options and their values.
var connectorOptions = []string{
	"blackhole", "connector", "csv", "datagen", "earliest-offset", "fields.", "format",
	"group-offsets", "json", "json.ignore-parse-errors", "kafka", "key.fields",
	"key.format", "latest-offset", "number-of-rows", "pipeline.auto-watermark-interval",
	"pipeline.name", "print", "properties.allow.auto.create.topics",
	"properties.bootstrap.servers", "properties.group.id", "raw", "rows-per-second",
	"scan.startup.mode", "scan.startup.timestamp-millis", "sink.partitioner",
	"table.dml-sync", "table.exec.source.idle-timeout", "table.local-time-zone",
	"timestamp", "topic", "value.format", "execution.checkpointing.interval",
	"upsert-kafka", "jdbc", "lookup.cache",
}

// completer finds completions; names lists the catalog's objects at the
// moment of the Tab. Safe for concurrent use if names is.
type completer struct {
	words   []string // keywords and function names
	options []string // completed inside quotes
	names   func() []string
}

func newCompleter(d sql.Dialect, names func() []string) *completer {
	c := &completer{names: names}
	c.words = append(c.words, commonKeywords...)
	c.options = append(c.options, connectorOptions...)
	client := planner.DialectOf(d).Rules().Client
	c.words = append(c.words, client.Keywords...)
	c.options = append(c.options, client.Options...)
	for _, def := range planner.SettingDefs(d) {
		if !slices.Contains(c.options, def.Key) {
			c.options = append(c.options, def.Key)
		}
	}
	c.words = append(c.words, aggregateNames...)
	c.words = append(c.words, expr.FunctionNames()...)
	return c
}

// tableContext are the words after which a bare Tab lists the catalog.
var tableContext = map[string]bool{
	"FROM": true, "JOIN": true, "INTO": true, "TABLE": true, "STREAM": true,
	"DESCRIBE": true, "DESC": true, "VIEW": true, "EXTENDED": true, "EXISTS": true,
}

// complete returns the word before pos in line and the candidates for it,
// sorted, each written out in full. A candidate is a keyword, a function
// or a catalog name that starts with the word (ignoring case), or the rest
// of a phrase whose first words were just typed ("SHOW TAB" offers
// "TABLES", "INSERT " offers "INTO"). Keywords and functions take the case
// of the word typed so far (lower case if it is all lower case); catalog
// names keep theirs. After FROM, JOIN, INTO, TABLE, DESCRIBE and the like
// an empty word offers the catalog's names.
func (c *completer) complete(line []rune, pos int) (word string, cands []string) {
	if pos > len(line) {
		pos = len(line)
	}
	start := pos
	if inQuote(line[:pos]) {
		for start > 0 && line[start-1] != '\'' {
			start--
		}
		word = string(line[start:pos])
		return word, match(c.options, word, false)
	}
	for start > 0 && isWordRune(line[start-1]) {
		start--
	}
	word = string(line[start:pos])
	prev := previousWords(line[:start], 3)
	lower := strings.ToLower(word) == word && strings.ToUpper(word) != word
	if word == "" {
		if len(prev) > 0 && tableContext[strings.ToUpper(prev[len(prev)-1])] {
			cands = append(cands, c.names()...)
		}
		lower = len(prev) > 0 && strings.ToLower(prev[len(prev)-1]) == prev[len(prev)-1]
	} else {
		cands = append(match(c.words, word, lower), match(c.names(), word, false)...)
	}
	cands = append(cands, c.continuations(prev, word, lower)...)
	slices.SortFunc(cands, func(a, b string) int {
		if d := strings.Compare(strings.ToUpper(a), strings.ToUpper(b)); d != 0 {
			return d
		}
		return strings.Compare(a, b)
	})
	return word, slices.Compact(cands)
}

// continuations returns the rests of the phrases among c.words whose first
// words are the last words typed (prev) and whose next word starts with
// word.
func (c *completer) continuations(prev []string, word string, lower bool) []string {
	var out []string
	for _, p := range c.words {
		pw := strings.Fields(p)
		for j := min(len(pw)-1, len(prev)); j >= 1; j-- {
			if !equalFoldAll(pw[:j], prev[len(prev)-j:]) {
				continue
			}
			if len(pw[j]) >= len(word) && strings.EqualFold(pw[j][:len(word)], word) {
				rest := strings.Join(pw[j:], " ")
				if lower {
					rest = strings.ToLower(rest)
				}
				out = append(out, rest)
			}
			break
		}
	}
	return out
}

func equalFoldAll(a, b []string) bool {
	for i := range a {
		if !strings.EqualFold(a[i], b[i]) {
			return false
		}
	}
	return true
}

// match returns the entries that start with prefix, ignoring case; with
// lower set, they are lower-cased.
func match(list []string, prefix string, lower bool) []string {
	var out []string
	for _, s := range list {
		if len(s) < len(prefix) || !strings.EqualFold(s[:len(prefix)], prefix) {
			continue
		}
		if lower {
			s = strings.ToLower(s)
		}
		out = append(out, s)
	}
	return out
}

// Do implements readline.AutoCompleter. readline can only append to the
// line, so each candidate is returned as the part after the typed word;
// a catalog name whose case differs from what was typed keeps the typed
// letters.
func (c *completer) Do(line []rune, pos int) ([][]rune, int) {
	word, cands := c.complete(line, pos)
	n := len([]rune(word))
	var out [][]rune
	for _, s := range cands {
		r := []rune(s)
		if len(r) < n {
			continue
		}
		out = append(out, r[n:])
	}
	return out, n
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '$'
}

// inQuote reports whether a single-quoted string is open at the end of s
// (a doubled quote inside a string is an escaped quote and keeps it open).
func inQuote(s []rune) bool {
	open := false
	for _, r := range s {
		if r == '\'' {
			open = !open
		}
	}
	return open
}

// previousWords returns up to n words that end s, in order: the words
// typed before the one being completed.
func previousWords(s []rune, n int) []string {
	var out []string
	end := len(s)
	for len(out) < n {
		for end > 0 && unicode.IsSpace(s[end-1]) {
			end--
		}
		start := end
		for start > 0 && isWordRune(s[start-1]) {
			start--
		}
		if start == end {
			break
		}
		out = append(out, string(s[start:end]))
		end = start
	}
	slices.Reverse(out)
	return out
}
