// Package flinkdocs runs the examples of Flink's SQL documentation (the
// pages under ../shared/suites/flink/docs) against Tumble: each page's
// `desc T` and `SELECT * FROM T` outputs define a table and its rows, and
// every later `Flink SQL> SELECT ...` with a printed result is run as a
// bounded query whose final rows must equal the printed ones.
package flinkdocs

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/tumble/tumble/connectors/all"
	"github.com/tumble/tumble/connectors/kafka"
	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/types"
	"github.com/tumble/tumble/session"
	"github.com/tumble/tumble/sql"
)

// Example is one query of a page with its printed result.
type Example struct {
	Page   string
	Line   int
	Query  string
	Want   [][]string // printed rows
	Tables []*Table   // the definitions in effect where the query stands
	// Setup are the page's statements without a result (CREATE VIEW
	// ...) between the previous example and this one, run before it.
	Setup []string
}

// Table is a table a page describes.
type Table struct {
	Name      string
	Columns   [][2]string // name, type
	Watermark [2]string   // column, expression
	Rows      [][]string
	topic     string
}

// Page is a parsed documentation page.
type Page struct {
	Name     string
	Tables   []*Table
	Examples []Example
}

// printed reads a result box (+---+ | a | b | +---+ ...) starting at line i;
// it returns the header, the rows and the line after the box.
func printed(lines []string, i int) (header []string, rows [][]string, next int) {
	cells := func(l string) []string {
		l = strings.TrimSpace(l)
		l = strings.TrimPrefix(strings.TrimSuffix(l, "|"), "|")
		parts := strings.Split(l, "|")
		for k := range parts {
			parts[k] = strings.TrimSpace(parts[k])
		}
		return parts
	}
	if i >= len(lines) || !strings.HasPrefix(strings.TrimSpace(lines[i]), "+-") {
		return nil, nil, i
	}
	i++
	if i < len(lines) && strings.HasPrefix(strings.TrimSpace(lines[i]), "|") {
		header = cells(lines[i])
		i++
	}
	if i < len(lines) && strings.HasPrefix(strings.TrimSpace(lines[i]), "+-") {
		i++
	}
	for i < len(lines) && strings.HasPrefix(strings.TrimSpace(lines[i]), "|") {
		rows = append(rows, cells(lines[i]))
		i++
	}
	if i < len(lines) && strings.HasPrefix(strings.TrimSpace(lines[i]), "+-") {
		i++
	}
	return header, rows, i
}

// ParsePage extracts the tables and examples of a page.
func ParsePage(name, text string) *Page {
	p := &Page{Name: name}
	lines := strings.Split(text, "\n")
	tables := map[string]*Table{}
	var setup []string
	for i := 0; i < len(lines); i++ {
		l := strings.TrimSpace(lines[i])
		if !strings.HasPrefix(l, "Flink SQL>") {
			continue
		}
		start := i
		stmt := strings.TrimSpace(strings.TrimPrefix(l, "Flink SQL>"))
		for !strings.HasSuffix(strings.TrimSpace(stmt), ";") && i+1 < len(lines) && !strings.HasPrefix(strings.TrimSpace(lines[i+1]), "+-") {
			i++
			stmt += "\n" + lines[i]
		}
		stmt = strings.TrimSuffix(strings.TrimSpace(stmt), ";")
		header, rows, next := printed(lines, i+1)
		i = next - 1
		fields := strings.Fields(stmt)
		switch {
		case len(fields) == 2 && strings.EqualFold(fields[0], "desc"):
			t := &Table{Name: fields[1]}
			for _, r := range rows {
				if len(r) < 6 {
					continue
				}
				typ := strings.TrimSpace(strings.ReplaceAll(r[1], "*ROWTIME*", ""))
				t.Columns = append(t.Columns, [2]string{r[0], typ})
				if r[5] != "" {
					t.Watermark = [2]string{r[0], r[5]}
				}
			}
			tables[strings.ToLower(t.Name)] = t
			p.Tables = append(p.Tables, t)
		case len(fields) == 4 && strings.EqualFold(fields[0], "SELECT") && fields[1] == "*" && strings.EqualFold(fields[2], "FROM") && tables[strings.ToLower(fields[3])] != nil:
			tables[strings.ToLower(fields[3])].Rows = rows
		case len(rows) > 0 && isQuery(fields[0]):
			_ = header
			ex := Example{Page: name, Line: start + 1, Query: stmt, Want: rows, Setup: setup}
			setup = nil
			for _, t := range tables {
				ex.Tables = append(ex.Tables, t)
			}
			p.Examples = append(p.Examples, ex)
		case len(rows) == 0 && len(fields) > 1 && strings.EqualFold(fields[0], "CREATE"):
			setup = append(setup, stmt)
		}
	}
	return p
}

// isQuery reports whether a statement starting with word is a query
// (SELECT, WITH, VALUES, or a parenthesized one as set operations are
// written).
func isQuery(word string) bool {
	w := strings.ToUpper(strings.TrimLeft(word, "("))
	return strings.HasPrefix(w, "SELECT") || w == "WITH" || strings.HasPrefix(w, "VALUES")
}

// literal turns a printed cell into a SQL literal of the column's type.
func literal(cell, typ string) string {
	if cell == "" || strings.EqualFold(cell, "<NULL>") || strings.EqualFold(cell, "(NULL)") || strings.EqualFold(cell, "null") {
		return "CAST(NULL AS " + typ + ")"
	}
	up := strings.ToUpper(typ)
	switch {
	case strings.HasPrefix(up, "TIMESTAMP"):
		v := cell
		if len(v) == 16 { // yyyy-MM-dd HH:mm
			v += ":00"
		}
		return "TIMESTAMP '" + v + "'"
	case strings.HasPrefix(up, "STRING"), strings.HasPrefix(up, "VARCHAR"), strings.HasPrefix(up, "CHAR"):
		return "'" + strings.ReplaceAll(cell, "'", "''") + "'"
	case strings.HasPrefix(up, "DECIMAL"):
		return "CAST(" + cell + " AS " + typ + ")"
	}
	return cell
}

// normalize renders a cell for comparison: timestamps by their instant,
// numbers by value, text trimmed.
func normalize(cell string) string {
	c := strings.TrimSpace(cell)
	if c == "<NULL>" || strings.EqualFold(c, "(NULL)") || strings.EqualFold(c, "null") {
		return "NULL"
	}
	v := c
	if len(v) == 16 && v[4] == '-' && v[13] == ':' {
		v += ":00"
	}
	if us, err := types.ParseTimestamp(v); err == nil && len(c) >= 10 && c[4] == '-' {
		return "ts:" + types.FormatTimestamp(us, 6, ' ')
	}
	if f, ok := new(big.Float).SetString(c); ok {
		return "n:" + f.Text('g', 20)
	}
	return c
}

// RowKey renders a row for comparison (normalized cells joined by " | ").
func RowKey(cells []string) string { return rowKey(cells) }

func rowKey(cells []string) string {
	parts := make([]string, len(cells))
	for i, c := range cells {
		parts[i] = normalize(c)
	}
	return strings.Join(parts, " | ")
}

// Result of one example.
type Result struct {
	Example
	Err  error
	Got  []string
	Pass bool
}

// Run runs every example of a page on a fresh embedded broker.
func Run(ctx context.Context, p *Page) []Result {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	var out []Result
	broker, err := kafka.StartBroker(ctx, kafka.BrokerConfig{Listen: "127.0.0.1:0", Partitions: 1, Logger: log})
	if err != nil {
		for _, ex := range p.Examples {
			out = append(out, Result{Example: ex, Err: err})
		}
		return out
	}
	defer broker.Close()
	jctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	reg := engine.NewRegistry()
	all.Register(reg, io.Discard)
	jobs := session.NewJobManager(jctx, log)
	defer jobs.StopAll()
	s := session.New(session.Config{Registry: reg, Jobs: jobs, Bootstrap: broker.Addr(), Dialect: sql.Flink, Log: log})
	s.Set("table.dml-sync", "true")
	s.Set("pipeline.auto-watermark-interval", "0")
	// Each definition gets its own topic, filled once; a page may
	// describe a table anew (another shape, other rows), so before each
	// query the definitions it sees are put in place.
	setupErr := map[*Table]error{}
	for i, t := range p.Tables {
		if err := fill(ctx, s, t, fmt.Sprintf("%s_%d", strings.ToLower(t.Name), i)); err != nil {
			setupErr[t] = err
		}
	}
	current := map[string]*Table{}
	use := func(ts []*Table) error {
		for _, t := range ts {
			if err := setupErr[t]; err != nil {
				return err
			}
			if current[strings.ToLower(t.Name)] == t {
				continue
			}
			if _, err := s.ExecuteText(ctx, "DROP TABLE IF EXISTS `"+t.Name+"`"); err != nil {
				return err
			}
			if _, err := s.ExecuteText(ctx, ddl(t)); err != nil {
				return fmt.Errorf("%s: %w", ddl(t), err)
			}
			current[strings.ToLower(t.Name)] = t
		}
		return nil
	}
	s.Set("execution.runtime-mode", "batch")
	for _, ex := range p.Examples {
		r := Result{Example: ex}
		if err := use(ex.Tables); err != nil {
			r.Err = err
			out = append(out, r)
			continue
		}
		if err := runSetup(ctx, s, ex.Setup); err != nil {
			r.Err = err
			out = append(out, r)
			continue
		}
		r.Got, r.Err = query(ctx, s, ex.Query)
		if r.Err == nil {
			want := make([]string, len(ex.Want))
			for i, w := range ex.Want {
				want[i] = rowKey(w)
			}
			sort.Strings(want)
			r.Pass = strings.Join(want, "\n") == strings.Join(r.Got, "\n")
		}
		out = append(out, r)
	}
	return out
}

// runSetup runs an example's setup statements.
func runSetup(ctx context.Context, s *session.Session, stmts []string) error {
	for _, st := range stmts {
		if _, err := s.ExecuteText(ctx, st); err != nil {
			return fmt.Errorf("%s: %w", st, err)
		}
	}
	return nil
}

// ddl is the CREATE TABLE of a definition on its topic.
func ddl(t *Table) string { return t.CreateSQL(t.topic, "'scan.startup.mode' = 'earliest-offset'") }

// CreateSQL is the CREATE TABLE of a definition as a json Kafka table on
// topic, with more options (comma-separated 'k' = 'v' pairs) when given.
func (t *Table) CreateSQL(topic, options string) string {
	cols := make([]string, 0, len(t.Columns)+1)
	for _, c := range t.Columns {
		cols = append(cols, "`"+c[0]+"` "+c[1])
	}
	if t.Watermark[0] != "" {
		cols = append(cols, "WATERMARK FOR `"+t.Watermark[0]+"` AS "+t.Watermark[1])
	}
	if options != "" {
		options = ", " + options
	}
	return fmt.Sprintf("CREATE TABLE `%s` (%s) WITH ('connector' = 'kafka', 'topic' = '%s', 'format' = 'json'%s)",
		t.Name, strings.Join(cols, ", "), topic, options)
}

// InsertSQL is the INSERT ... VALUES of a definition's rows ("" without
// rows).
func (t *Table) InsertSQL() string {
	if len(t.Rows) == 0 {
		return ""
	}
	var vals []string
	for _, r := range t.Rows {
		lits := make([]string, len(t.Columns))
		for i, c := range t.Columns {
			cell := ""
			if i < len(r) {
				cell = r[i]
			}
			lits[i] = literal(cell, c[1])
		}
		vals = append(vals, "("+strings.Join(lits, ", ")+")")
	}
	return fmt.Sprintf("INSERT INTO `%s` VALUES %s", t.Name, strings.Join(vals, ", "))
}

// fill writes a definition's rows to its topic (in streaming mode, through
// the table itself) and leaves the table defined.
func fill(ctx context.Context, s *session.Session, t *Table, topic string) error {
	t.topic = topic
	if _, err := s.ExecuteText(ctx, "DROP TABLE IF EXISTS `"+t.Name+"`"); err != nil {
		return err
	}
	if _, err := s.ExecuteText(ctx, ddl(t)); err != nil {
		return fmt.Errorf("%s: %w", ddl(t), err)
	}
	ins := t.InsertSQL()
	if ins == "" {
		return nil
	}
	if _, err := s.ExecuteText(ctx, ins); err != nil {
		return fmt.Errorf("%s: %w", ins, err)
	}
	return nil
}

// query runs a bounded query and returns its final rows (the changelog
// applied), normalized and sorted.
func query(ctx context.Context, s *session.Session, text string) ([]string, error) {
	qctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	got, err := s.QueryRows(qctx, text)
	if err != nil {
		return nil, err
	}
	rows := make([]string, len(got))
	for i, cells := range got {
		rows[i] = rowKey(cells)
	}
	sort.Strings(rows)
	return rows, nil
}

// LoadPage parses one page.
func LoadPage(path string) (*Page, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParsePage(filepath.Base(path), string(b)), nil
}

// Why says why an example fails: its error, or which rows differ.
func (r Result) Why() string {
	if r.Pass {
		return ""
	}
	if r.Err != nil {
		return "error: " + r.Err.Error()
	}
	want := map[string]int{}
	for _, w := range r.Want {
		want[rowKey(w)]++
	}
	var missing, extra []string
	for _, g := range r.Got {
		if want[g] > 0 {
			want[g]--
			continue
		}
		extra = append(extra, g)
	}
	for _, w := range r.Want {
		if k := rowKey(w); want[k] > 0 {
			want[k]--
			missing = append(missing, k)
		}
	}
	why := fmt.Sprintf("%d rows, want %d", len(r.Got), len(r.Want))
	if len(missing) > 0 {
		why += fmt.Sprintf("; %d missing, the first: %s", len(missing), missing[0])
	}
	if len(extra) > 0 {
		why += fmt.Sprintf("; %d unexpected, the first: %s", len(extra), extra[0])
	}
	return why
}

// LoadPages parses every page in dir.
func LoadPages(dir string) ([]*Page, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []*Page
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".md") {
			continue
		}
		b, err := os.ReadFile(dir + "/" + e.Name())
		if err != nil {
			return nil, err
		}
		out = append(out, ParsePage(e.Name(), string(b)))
	}
	return out, nil
}
