package session

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/expr"
	"github.com/tumble/tumble/engine/types"
	"github.com/tumble/tumble/planner"
	"github.com/tumble/tumble/sql"
)

// ksqlDB's executor: its sources and persistent queries (CSAS, CTAS,
// INSERT INTO), push and pull queries, PRINT, and its SHOW, DESCRIBE, DROP
// and EXPLAIN, answered in the shapes of ksqlDB's REST API.

func (s *Session) ksqlDrop(ctx context.Context, n *sql.Drop, t *planner.Table) (*planner.Result, error) {
	word := planner.KindWord(t.Kind)
	if n.Kind != t.Kind {
		return nil, sql.Errorf(n.Name.Pos, "Incompatible data source type is %s, but statement was DROP %s", strings.ToUpper(word), n.Kind)
	}
	for _, j := range s.Jobs.List() {
		if j.Dialect == s.Dialect && j.Sink == t.Name && j.Job.Status() == engine.Running {
			return nil, sql.Errorf(n.Name.Pos, "Cannot drop %s.\nThe following queries write into this source: [%s].\nYou need to terminate them before dropping %s.", t.Name, j.ID, t.Name)
		}
	}
	for _, j := range s.Jobs.List() {
		if j.Dialect == s.Dialect && j.Job.Status() == engine.Running && planner.ReadsFrom(j.Statement, t.Name) {
			return nil, sql.Errorf(n.Name.Pos, "Cannot drop %s.\nThe following queries read from this source: [%s].\nYou need to terminate them before dropping %s.", t.Name, j.ID, t.Name)
		}
	}
	if n.DeleteTopic && t.KSQL != nil && t.KSQL.ReadOnly {
		return nil, sql.Errorf(n.Start, "Cannot delete topic for read-only source: %s", t.Name)
	}
	if n.DeleteTopic {
		if err := s.planner().DeleteTopic(ctx, t); err != nil {
			return nil, sql.ErrorFrom(n.Start, err, "Could not delete the topic of %s", t.Name)
		}
	}
	s.Catalog.Delete(t.Name)
	return planner.KSQLStatus(word, t.Name, "drop", fmt.Sprintf("Source `%s` (topic: %s) was dropped.", t.Name, t.KSQL.Topic), ""), nil
}

func (s *Session) ksqlShow(ctx context.Context, n *sql.Show) (*planner.Result, error) {
	switch n.What {
	case "STREAMS", "TABLES":
		want := sql.KindStream
		if n.What == "TABLES" {
			want = sql.KindTable
		}
		ent := &planner.KSQLEntity{Type: strings.ToLower(n.What)}
		r := &planner.Result{Kind: planner.ResultTable, Columns: []string{planner.KindTitle(want) + " Name", "Kafka Topic", "Key Format", "Value Format", "Windowed"}, KSQL: ent}
		for _, t := range s.Catalog.List() {
			if t.KSQL == nil || t.Kind != want {
				continue
			}
			si := planner.SourceInfo{Type: strings.ToUpper(planner.KindWord(t.Kind)), Name: t.Name, Topic: t.KSQL.Topic, KeyFormat: t.KSQL.KeyFormat, ValueFormat: t.KSQL.ValueFormat, IsWindowed: t.KSQL.Windowed != nil}
			ent.Sources = append(ent.Sources, si)
			r.Rows = append(r.Rows, []string{si.Name, si.Topic, si.KeyFormat, si.ValueFormat, strconv.FormatBool(si.IsWindowed)})
		}
		if n.Extended {
			ent.Type = "source_descriptions"
		}
		return r, nil
	case "QUERIES":
		ent := &planner.KSQLEntity{Type: "queries"}
		r := &planner.Result{Kind: planner.ResultTable, Columns: []string{"Query ID", "Query Type", "Status", "Sink Name", "Sink Kafka Topic", "Query String"}, KSQL: ent}
		for _, j := range s.Jobs.List() {
			q := s.queryInfo(j)
			ent.Queries = append(ent.Queries, q)
			r.Rows = append(r.Rows, []string{q.ID, q.QueryType, q.State, strings.Join(q.Sinks, ","), strings.Join(q.SinkTopics, ","), q.QueryString})
		}
		return r, nil
	case "PROPERTIES":
		props := planner.EffectiveSettings(s.Dialect, s.Settings())
		ent := &planner.KSQLEntity{Type: "properties", Properties: props}
		r := &planner.Result{Kind: planner.ResultTable, Columns: []string{"Property", "Value"}, KSQL: ent}
		for _, k := range planner.SortedKeys(props) {
			r.Rows = append(r.Rows, []string{k, props[k]})
		}
		return r, nil
	case "TOPICS":
		a, err := s.planner().Admin()
		if err != nil {
			return nil, sql.Errorf(n.Start, "%v", err)
		}
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		topics, err := a.ListTopics(ctx, s.planner().KafkaClient())
		if err != nil {
			return nil, sql.ErrorFrom(n.Start, err, "Failed to list topics")
		}
		ent := &planner.KSQLEntity{Type: "kafka_topics"}
		r := &planner.Result{Kind: planner.ResultTable, Columns: []string{"Kafka Topic", "Partitions", "Partition Replicas"}, KSQL: ent}
		for _, t := range topics {
			if strings.HasPrefix(t.Name, "_") && !n.Extended {
				continue
			}
			ent.Topics = append(ent.Topics, planner.TopicInfo{Name: t.Name, Partitions: t.Partitions})
			r.Rows = append(r.Rows, []string{t.Name, strconv.Itoa(t.Partitions), strconv.Itoa(max(t.Replicas, 1))})
		}
		return r, nil
	case "FUNCTIONS":
		names := append(expr.FunctionNames(), "AVG", "COUNT", "MAX", "MIN", "SUM", "COLLECT_LIST", "COLLECT_SET", "EARLIEST_BY_OFFSET", "LATEST_BY_OFFSET")
		sort.Strings(names)
		r := &planner.Result{Kind: planner.ResultTable, Columns: []string{"Function Name"}, KSQL: &planner.KSQLEntity{Type: "function_names"}}
		for _, f := range names {
			r.Rows = append(r.Rows, []string{f})
		}
		return r, nil
	}
	return nil, sql.Errorf(n.Start, "SHOW %s is not supported", n.What)
}

func (s *Session) queryInfo(j *JobInfo) planner.QueryInfo {
	q := planner.QueryInfo{ID: j.ID, QueryString: j.Statement, QueryType: "PERSISTENT", State: string(j.Job.Status())}
	if q.State == string(engine.Failed) {
		q.State = "ERROR"
	}
	if j.Sink != "" {
		q.Sinks = []string{j.Sink}
		if t, ok := s.Catalog.Get(j.Sink); ok {
			q.SinkTopics = []string{t.Option("topic")}
		}
	}
	return q
}

func (s *Session) ksqlDescribe(n *sql.Describe) (*planner.Result, error) {
	name := n.Name.Last()
	if strings.EqualFold(name, "STREAMS") || strings.EqualFold(name, "TABLES") {
		return s.ksqlShow(context.Background(), &sql.Show{Base: n.Base, What: strings.ToUpper(name), Extended: n.Extended})
	}
	t, ok := s.Catalog.Lookup(name, true)
	if !ok || t.KSQL == nil {
		return nil, sql.Errorf(n.Name.Pos, "Could not find STREAM/TABLE '%s' in the Metastore", name)
	}
	d := &planner.SourceDescription{Name: t.Name, Type: strings.ToUpper(planner.KindWord(t.Kind)), Topic: t.KSQL.Topic, KeyFormat: t.KSQL.KeyFormat,
		ValueFormat: t.KSQL.ValueFormat, Timestamp: t.KSQL.TimestampColumn, Windowed: t.KSQL.Windowed != nil,
		Partitions: t.KSQL.Partitions, Statement: t.Statement, Extended: n.Extended}
	r := &planner.Result{Kind: planner.ResultTable, Columns: []string{"Field", "Type"}, KSQL: &planner.KSQLEntity{Type: "sourceDescription", Source: d}}
	add := func(name, typ, key string) {
		d.Fields = append(d.Fields, planner.FieldInfo{Name: name, Type: typ, Key: key})
		shown := typ
		if key != "" {
			shown += " (" + map[string]string{"KEY": "key", "PRIMARY": "primary key"}[key] + ")"
		}
		r.Rows = append(r.Rows, []string{name, shown})
	}
	for _, c := range t.Columns {
		key := ""
		if c.Key {
			key = "KEY"
			if t.Kind == sql.KindTable {
				key = "PRIMARY"
			}
		}
		add(c.Name, c.Type.KSQLString(), key)
	}
	for _, j := range s.Jobs.List() {
		if j.Dialect != s.Dialect {
			continue
		}
		if j.Sink == t.Name {
			d.WriteQueries = append(d.WriteQueries, s.queryInfo(j))
		} else if planner.ReadsFrom(j.Statement, t.Name) {
			d.ReadQueries = append(d.ReadQueries, s.queryInfo(j))
		}
	}
	return r, nil
}

// explainQueryID is EXPLAIN <query id>: the plan of a running ksqlDB
// query.
func (s *Session) explainQueryID(n *sql.Explain) (*planner.Result, error) {
	j, ok := s.Jobs.Get(n.QueryID)
	if !ok {
		return nil, sql.Errorf(n.Start, "Query with id:%s does not exist, use SHOW QUERIES to view the full set of queries.", n.QueryID)
	}
	if j.Plan == nil {
		return nil, sql.Errorf(n.Start, "cannot explain %s", n.QueryID)
	}
	plan := "== Physical Plan ==\n" + planner.Explain(j.Plan)
	q := s.queryInfo(j)
	return &planner.Result{Kind: planner.ResultExplain, Message: plan, KSQL: &planner.KSQLEntity{Type: "queryDescription", Queries: []planner.QueryInfo{q}, Message: plan}}, nil
}

// ksqlStatements is ksqlDB's executor: streams and tables over topics,
// persistent queries (CSAS, CTAS, INSERT INTO), push and pull queries,
// its SHOW, DESCRIBE, DROP and EXPLAIN, and answers in the shapes of
// ksqlDB's REST API (KSQLEntity).
type ksqlStatements struct{ s *Session }

func init() { registerStatements("ksql", func(s *Session) statements { return ksqlStatements{s} }) }

func (x ksqlStatements) createTable(n *sql.CreateTable) (*planner.Result, error) {
	return x.s.planner().KSQLCreateSource(n)
}

func (x ksqlStatements) createAs(ctx context.Context, n *sql.CreateAs) (*planner.Result, error) {
	return x.s.ksqlCreateAs(ctx, n)
}

func (x ksqlStatements) insert(ctx context.Context, n *sql.Insert) (*planner.Result, error) {
	return x.s.ksqlInsert(ctx, n)
}

func (x ksqlStatements) query(ctx context.Context, n *sql.Query) (*planner.Result, error) {
	return x.s.ksqlQuery(ctx, n)
}

func (x ksqlStatements) drop(ctx context.Context, n *sql.Drop) (*planner.Result, error) {
	return x.s.ksqlDropStatement(ctx, n)
}

func (x ksqlStatements) show(ctx context.Context, n *sql.Show) (*planner.Result, error) {
	return x.s.ksqlShow(ctx, n)
}

func (x ksqlStatements) describe(n *sql.Describe) (*planner.Result, error) {
	return x.s.ksqlDescribe(n)
}

func (x ksqlStatements) plan(st sql.Statement) (planner.Node, error) {
	return x.s.planner().KSQLPlan(st)
}

func (x ksqlStatements) explainQuery(n *sql.Explain) (*planner.Result, error) {
	return x.s.explainQueryID(n)
}

func (x ksqlStatements) setDone(key, value string) *planner.Result {
	return ok(fmt.Sprintf("Successfully changed local property '%s' to '%s'.", key, value))
}

func (x ksqlStatements) stopRemoves() bool { return true }
func (x ksqlStatements) declare(n *sql.CreateAs) error {
	_, t, err := x.s.planner().KSQLCreateAsPlan(n)
	if err != nil {
		return err
	}
	x.s.Catalog.Put(t)
	return nil
}

// ksqlDropStatement is DROP STREAM|TABLE [IF EXISTS] name [DELETE TOPIC].
func (s *Session) ksqlDropStatement(ctx context.Context, n *sql.Drop) (*planner.Result, error) {
	name := n.Name.Last()
	t, exists := s.Catalog.Lookup(name, true)
	if !exists {
		if n.IfExists {
			return ok("Execute statement succeeded."), nil
		}
		return nil, sql.Errorf(n.Name.Pos, "Source %s does not exist.", name)
	}
	return s.ksqlDrop(ctx, n, t)
}

// ksqlCreateAs runs CSAS / CTAS: it creates the sink and starts the
// persistent query.
func (s *Session) ksqlCreateAs(ctx context.Context, n *sql.CreateAs) (*planner.Result, error) {
	name := n.Name.Last()
	word := planner.KindWord(n.Kind)
	old, exists := s.Catalog.Lookup(name, false)
	if exists {
		switch {
		case n.IfNotExists:
			return planner.KSQLStatus(word, name, "create", title(word)+" already exists.", ""), nil
		case !n.OrReplace:
			return nil, sql.Errorf(n.Name.Pos, "Cannot add %s '%s': A %s with the same name already exists", word, name, planner.KindWord(old.Kind))
		}
	}
	pl := s.planner()
	sink, t, err := pl.KSQLCreateAsPlan(n)
	if err != nil {
		return nil, err
	}
	prefix := "CSAS"
	if n.Kind == sql.KindTable {
		prefix = "CTAS"
	}
	// CREATE OR REPLACE: the query writing the sink is replaced.
	var replaced string
	if exists {
		for _, j := range s.Jobs.List() {
			if j.Dialect == s.Dialect && j.Sink == name && j.Job.Status() == engine.Running {
				replaced = j.ID
			}
		}
	}
	_, text := n.Span()
	id := s.newJobID(func() string {
		if replaced != "" {
			return replaced // CREATE OR REPLACE keeps the query id
		}
		return pl.KSQLQueryID(prefix, name)
	})
	if replaced != "" {
		if err := s.Jobs.Stop(replaced, true); err != nil {
			return nil, err
		}
	}
	s.Catalog.Put(t)
	info := &JobInfo{ID: id, Name: id, Statement: text, Dialect: s.Dialect, Sink: name}
	if err := s.startPlan(ctx, pl, info, sink); err != nil {
		if !exists {
			s.Catalog.Delete(name)
		} else {
			s.Catalog.Put(old)
		}
		return nil, err
	}
	msg := fmt.Sprintf("Created query with ID %s", id)
	r := planner.KSQLStatus(word, name, "create", msg, id)
	r.Warnings = planner.KSQLUnusedOptions(n.Options)
	return r, nil
}

func (s *Session) ksqlInsert(ctx context.Context, n *sql.Insert) (*planner.Result, error) {
	pl := s.planner()
	sink, err := pl.KSQLPlanInsert(n)
	if err != nil {
		return nil, err
	}
	_, text := n.Span()
	if n.Query == nil {
		id := "INSERTVALUES_" + NewJobID()
		info := &JobInfo{ID: id, Name: id, Statement: text, Dialect: s.Dialect, Sink: sink.Table.Name, Transient: true}
		if err := s.startPlan(ctx, pl, info, sink); err != nil {
			return nil, err
		}
		// Wait for the row to be written, as ksqlDB answers after producing.
		select {
		case <-info.Job.Done():
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		s.Jobs.Remove(id)
		if err := info.Job.Err(); err != nil {
			return nil, err
		}
		return &planner.Result{Kind: planner.ResultOK, Message: "", KSQL: &planner.KSQLEntity{}}, nil
	}
	id := s.newJobID(func() string { return pl.KSQLQueryID("INSERTQUERY", "") })
	info := &JobInfo{ID: id, Name: id, Statement: text, Dialect: s.Dialect, Sink: sink.Table.Name}
	if err := s.startPlan(ctx, pl, info, sink); err != nil {
		return nil, err
	}
	return planner.KSQLStatus("stream", sink.Table.Name, "create", "Created query with ID "+id, id), nil
}

func (s *Session) ksqlQuery(ctx context.Context, n *sql.Query) (*planner.Result, error) {
	sel := n.Select
	pull := sel.Emit == sql.EmitNone
	pl := s.planner()
	node, err := pl.KSQLPlanQuery(sel)
	if err != nil {
		return nil, err
	}
	if pull {
		pl = pl.WithSetting("execution.runtime-mode", "batch")
	}
	r, err := s.startStream(pl, node.(*planner.Sink).Input, n)
	if err != nil {
		return nil, err
	}
	if sel.Limit != nil {
		if l, ok := sel.Limit.(*sql.Literal); ok {
			if lim, err := strconv.Atoi(l.Text); err == nil && lim >= 0 {
				r.Stream = limitStream(r.Stream, lim)
			}
		}
	}
	return r, nil
}

// ksqlPrint is PRINT 'topic' [FROM BEGINNING] [INTERVAL n] [LIMIT n]: the
// topic's records as text lines, streamed like a query.
func (s *Session) ksqlPrint(ctx context.Context, n *sql.Print) (*planner.Result, error) {
	pl := s.planner()
	a, err := pl.Admin()
	if err != nil {
		return nil, sql.Errorf(n.Start, "%v", err)
	}
	lctx, cancel := context.WithTimeout(ctx, 30*1e9)
	parts, err := a.Partitions(lctx, pl.KafkaClient(), n.Topic)
	cancel()
	if err != nil {
		return nil, sql.ErrorFrom(n.Start, err, "")
	}
	if parts == 0 {
		return nil, sql.Errorf(n.Start, "Could not find topic '%s', or the KSQL user does not have permissions to list the topic. Topic names are case-sensitive.", n.Topic)
	}
	rows := make(chan engine.Rec, 64)
	pctx, stop := context.WithCancel(context.Background())
	var tailErr streamErr
	go func() {
		defer close(rows)
		count, seen := 0, 0
		interval := max(n.Interval, 1)
		err := a.Tail(pctx, pl.KafkaClient(), n.Topic, n.FromBeginning, func(r engine.RawRecord) error {
			seen++
			if (seen-1)%interval != 0 {
				return nil
			}
			line := fmt.Sprintf("rowtime: %s, key: %s, value: %s, partition: %d",
				types.FormatTimestamp(r.Timestamp*types.MicrosPerMilli, 3, ' ')+" Z", printable(r.Key), printable(r.Value), r.Partition)
			select {
			case rows <- engine.Rec{Row: types.Row{types.StringV(line)}}:
			case <-pctx.Done():
				return pctx.Err()
			}
			count++
			if n.Limit > 0 && count >= n.Limit {
				return errStopPrint
			}
			return nil
		})
		if err != nil && err != errStopPrint && pctx.Err() == nil {
			tailErr.set(fmt.Errorf("reading topic '%s': %w", n.Topic, err))
		}
	}()
	st := &planner.Stream{Columns: []planner.Field{{Name: "line", Type: types.TString}}, Rows: rows, Cancel: stop, SourceErr: tailErr.get}
	return &planner.Result{Kind: planner.ResultRows, Stream: st}, nil
}

var errStopPrint = fmt.Errorf("print limit reached")

// streamErr is the error that ended a stream produced by a goroutine,
// safe to read while the goroutine writes it.
type streamErr struct {
	mu  sync.Mutex
	err error
}

func (e *streamErr) set(err error) { e.mu.Lock(); e.err = err; e.mu.Unlock() }
func (e *streamErr) get() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.err
}

func printable(b []byte) string {
	if b == nil {
		return "<null>"
	}
	for _, c := range b {
		if c < 0x20 && c != '\t' && c != '\n' {
			return fmt.Sprintf("%x", b)
		}
	}
	return string(b)
}
