// Package jdbc owns Flink's 'jdbc' connector for PostgreSQL, reached with
// github.com/jackc/pgx: a table of a database ('url' =
// 'jdbc:postgresql://host:port/db', 'table-name', 'username', 'password').
//
// As a source it reads the table once (a bounded scan, ordered by the
// primary key when the table has one) and serves lookups
// (engine.LookupSource): SELECT ... WHERE key = $1 per looked-up key, for
// processing-time lookup joins. Values are read as PostgreSQL's text and
// converted to each column's declared type. As a sink it upserts by the
// primary key (see Sink).
package jdbc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/types"
)

// Name is the connector name.
const Name = "jdbc"

// Register adds the 'jdbc' connector (a source with lookups, and a sink)
// to r.
func Register(r *engine.Registry) {
	r.Register(&engine.Connector{
		Name:   Name,
		Source: func(spec *engine.TableSpec) (engine.Source, error) { return NewSource(spec) },
		Sink:   func(spec *engine.TableSpec) (engine.Sink, error) { return NewSink(spec) },
		Options: []string{"connector", "url", "table-name", "username", "password", "driver",
			"lookup.cache", "lookup.partial-cache.*", "lookup.max-retries", "scan.fetch-size",
			"sink.buffer-flush.max-rows", "sink.buffer-flush.interval", "sink.max-retries", "sink.parallelism"},
		Validate: func(spec *engine.TableSpec) error {
			if _, err := parseConfig(spec); err != nil {
				return err
			}
			_, err := NewSink(spec)
			return err
		},
		// An upsert sink with a primary key; insert-only without one.
		SinkChanges: engine.UpsertChanges,
	})
}

// ErrOption is wrapped by errors about a jdbc table's options.
var ErrOption = errors.New("invalid jdbc table option")

type config struct {
	spec      *engine.TableSpec
	conn      string // pgx connection string
	table     string
	cols      []string // column names, TableSpec order
	types     []types.Type
	pk        []string
	fetchSize int
}

func optErr(spec *engine.TableSpec, format string, args ...any) error {
	return fmt.Errorf("%w: table '%s': %s", ErrOption, spec.Name, fmt.Sprintf(format, args...))
}

func parseConfig(spec *engine.TableSpec) (*config, error) {
	c := &config{spec: spec, fetchSize: 4096}
	raw, ok := spec.Option("url")
	if !ok || strings.TrimSpace(raw) == "" {
		return nil, optErr(spec, "'url' is required (jdbc:postgresql://host:port/database)")
	}
	rest, ok := strings.CutPrefix(strings.TrimSpace(raw), "jdbc:postgresql:")
	if !ok {
		return nil, optErr(spec, "'url' '%s' is not supported: Tumble's jdbc connector speaks PostgreSQL (jdbc:postgresql://host:port/database)", raw)
	}
	u, err := url.Parse("postgres:" + rest)
	if err != nil || u.Host == "" {
		return nil, optErr(spec, "'url' '%s': want jdbc:postgresql://host:port/database", raw)
	}
	q := u.Query()
	user, _ := spec.Option("username")
	pass, hasPass := spec.Option("password")
	if user == "" {
		user = q.Get("user")
	}
	if !hasPass && q.Has("password") {
		pass, hasPass = q.Get("password"), true
	}
	q.Del("user")
	q.Del("password")
	if !q.Has("sslmode") {
		q.Set("sslmode", "prefer")
	}
	u.RawQuery = q.Encode()
	switch {
	case user != "" && hasPass:
		u.User = url.UserPassword(user, pass)
	case user != "":
		u.User = url.User(user)
	}
	c.conn = u.String()
	if d, ok := spec.Option("driver"); ok && strings.TrimSpace(d) != "org.postgresql.Driver" {
		return nil, optErr(spec, "'driver' '%s' is not supported (org.postgresql.Driver)", d)
	}
	if c.table = strings.TrimSpace(spec.OptionOr("table-name", "")); c.table == "" {
		return nil, optErr(spec, "'table-name' is required")
	}
	if v, ok := spec.Option("scan.fetch-size"); ok {
		var n int
		if _, err := fmt.Sscan(strings.TrimSpace(v), &n); err != nil || n <= 0 {
			return nil, optErr(spec, "'scan.fetch-size' must be a positive number, not '%s'", v)
		}
		c.fetchSize = n
	}
	for _, col := range spec.Columns {
		if col.Metadata != "" {
			return nil, optErr(spec, "column '%s': the jdbc connector has no metadata", col.Name)
		}
		if err := checkType(col.Type); err != nil {
			return nil, optErr(spec, "column '%s': %v", col.Name, err)
		}
		c.cols = append(c.cols, col.Name)
		c.types = append(c.types, col.Type)
	}
	c.pk = spec.PrimaryKey
	if _, err := engine.ParseLookupOptions(spec.Options); err != nil {
		return nil, optErr(spec, "%v", err)
	}
	return c, nil
}

// selectList reads every column as text.
func (c *config) selectList() string {
	parts := make([]string, len(c.cols))
	for i, n := range c.cols {
		parts[i] = "CAST(" + n + " AS TEXT)"
	}
	return strings.Join(parts, ", ")
}

// Source reads a table of a PostgreSQL database: a bounded scan through
// Open and Poll, or lookups through OpenLookup and Lookup. Methods are
// called from one goroutine.
type Source struct {
	cfg  *config
	conn *pgx.Conn
	// scan
	rows  pgx.Rows
	read  int64 // rows read so far: the split's position
	skip  int64 // rows to skip on resume
	done  bool
	batch []engine.Rec
	// lookup
	lookupSQL string
}

var (
	_ engine.Source        = (*Source)(nil)
	_ engine.BoundedSource = (*Source)(nil)
	_ engine.LookupSource  = (*Source)(nil)
)

// NewSource checks a table's options; it does not connect.
func NewSource(spec *engine.TableSpec) (*Source, error) {
	cfg, err := parseConfig(spec)
	if err != nil {
		return nil, err
	}
	return &Source{cfg: cfg}, nil
}

func (s *Source) connect(ctx context.Context) error {
	if s.conn != nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.cfg.conn)
	if err != nil {
		return fmt.Errorf("jdbc table '%s': connecting: %w", s.cfg.spec.Name, err)
	}
	s.conn = conn
	return nil
}

// Open connects and starts the scan; start[0], when set, is the number of
// rows a restored job had read already (the scan is ordered by the primary
// key when there is one, so they are the same rows).
func (s *Source) Open(ctx context.Context, start map[int32]int64) error {
	if err := s.connect(ctx); err != nil {
		return err
	}
	s.skip = start[0]
	q := "SELECT " + s.cfg.selectList() + " FROM " + s.cfg.table
	if len(s.cfg.pk) > 0 {
		q += " ORDER BY " + strings.Join(s.cfg.pk, ", ")
	}
	rows, err := s.conn.Query(ctx, q)
	if err != nil {
		return engine.Permanent(fmt.Errorf("jdbc table '%s': %s: %w", s.cfg.spec.Name, q, err))
	}
	s.rows = rows
	return nil
}

// Splits implements engine.Source: one split, the whole table.
func (s *Source) Splits() []int32 { return []int32{0} }

// Bounded implements engine.BoundedSource.
func (s *Source) Bounded() bool { return true }

// Poll returns the next rows of the scan, then io.EOF.
func (s *Source) Poll(ctx context.Context) ([]engine.SplitBatch, error) {
	if s.done || s.rows == nil {
		return nil, io.EOF
	}
	s.batch = s.batch[:0]
	for len(s.batch) < s.cfg.fetchSize && s.rows.Next() {
		s.read++
		if s.read <= s.skip {
			continue
		}
		row, err := s.convert(s.rows.RawValues())
		if err != nil {
			return nil, engine.Permanent(err)
		}
		s.batch = append(s.batch, engine.Rec{Row: row})
	}
	if err := s.rows.Err(); err != nil {
		return nil, fmt.Errorf("jdbc table '%s': %w", s.cfg.spec.Name, err)
	}
	if len(s.batch) < s.cfg.fetchSize {
		s.done = true
		s.rows.Close()
	}
	return []engine.SplitBatch{{Split: 0, Recs: s.batch, Next: s.read, Done: s.done}}, nil
}

// convert turns a row of text values into the table's types.
func (s *Source) convert(raw [][]byte) (types.Row, error) {
	row := make(types.Row, len(s.cfg.cols))
	for i, b := range raw {
		if b == nil {
			continue
		}
		v, err := fromText(string(b), s.cfg.types[i])
		if err != nil {
			return nil, fmt.Errorf("jdbc table '%s': column '%s': %w", s.cfg.spec.Name, s.cfg.cols[i], err)
		}
		row[i] = v
	}
	return row, nil
}

// OpenLookup implements engine.LookupSource: it connects and prepares the
// query by the columns keys.
func (s *Source) OpenLookup(ctx context.Context, keys []int) error {
	if err := s.connect(ctx); err != nil {
		return err
	}
	conds := make([]string, len(keys))
	for i, k := range keys {
		conds[i] = fmt.Sprintf("%s = $%d", s.cfg.cols[k], i+1)
	}
	s.lookupSQL = "SELECT " + s.cfg.selectList() + " FROM " + s.cfg.table + " WHERE " + strings.Join(conds, " AND ")
	return nil
}

// Lookup implements engine.LookupSource: one query per key.
func (s *Source) Lookup(ctx context.Context, keys []types.Row) ([][]types.Row, error) {
	out := make([][]types.Row, len(keys))
	args := make([]any, 0, 4)
	for i, k := range keys {
		args = args[:0]
		for _, v := range k {
			args = append(args, param(v))
		}
		rows, err := s.conn.Query(ctx, s.lookupSQL, args...)
		if err != nil {
			s.reset(ctx)
			return nil, fmt.Errorf("jdbc table '%s': %w", s.cfg.spec.Name, err)
		}
		for rows.Next() {
			row, err := s.convert(rows.RawValues())
			if err != nil {
				rows.Close()
				return nil, err
			}
			out[i] = append(out[i], row)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			s.reset(ctx)
			return nil, fmt.Errorf("jdbc table '%s': %w", s.cfg.spec.Name, err)
		}
	}
	return out, nil
}

// reset drops a connection that failed, so a retry reconnects.
func (s *Source) reset(ctx context.Context) {
	if s.conn != nil && s.conn.IsClosed() {
		s.conn = nil
		s.connect(ctx)
	}
}

// Close implements engine.Source.
func (s *Source) Close() error {
	if s.rows != nil {
		s.rows.Close()
	}
	if s.conn != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return s.conn.Close(ctx)
	}
	return nil
}
