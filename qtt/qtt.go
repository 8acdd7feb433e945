// Package qtt runs ksqlDB query-validation-test files (the JSON format of
// ksqlDB's functional tests) against Tumble: each case's statements run in
// the ksqlDB dialect on a fresh embedded broker, its inputs are produced to
// Kafka over TCP, and the records in its output topics are compared with
// the expected ones.
package qtt

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/tumble/tumble/connectors/all"
	"github.com/tumble/tumble/connectors/format"
	"github.com/tumble/tumble/connectors/kafka"
	"github.com/tumble/tumble/connectors/schemaregistry"
	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/types"
	"github.com/tumble/tumble/internal/suites"
	"github.com/tumble/tumble/internal/topicread"
	"github.com/tumble/tumble/planner"
	"github.com/tumble/tumble/session"
	"github.com/tumble/tumble/sql"
)

// File is a query-validation-test file.
type File struct {
	Tests []Case `json:"tests"`
}

// Case is one test case.
type Case struct {
	Name              string            `json:"name"`
	Statements        []string          `json:"statements"`
	Inputs            []Message         `json:"inputs"`
	Outputs           []Message         `json:"outputs"`
	Properties        map[string]any    `json:"properties"`
	Format            []string          `json:"format"`
	Topics            []Topic           `json:"topics"`
	ExpectedException *Exception        `json:"expectedException"`
	Enabled           *bool             `json:"enabled"`
	Post              *Post             `json:"post"`
	Extra             map[string]string `json:"-"`
}

// Topic declares a topic a case needs.
type Topic struct {
	Name          string          `json:"name"`
	Partitions    int             `json:"partitions"`
	KeyFormat     string          `json:"keyFormat"`
	ValueFormat   string          `json:"valueFormat"`
	KeySchema     json.RawMessage `json:"keySchema"`
	ValueSchema   json.RawMessage `json:"valueSchema"`
	KeySchemaID   *int            `json:"keySchemaId"`
	ValueSchemaID *int            `json:"valueSchemaId"`
	// KeySchemaReferences and ValueSchemaReferences are schemas the key's
	// or value's schema imports, registered first under their names.
	KeySchemaReferences   []SchemaReference `json:"keySchemaReferences"`
	ValueSchemaReferences []SchemaReference `json:"valueSchemaReferences"`
}

// SchemaReference is a schema another one references (a .proto file it
// imports, an Avro type it names).
type SchemaReference struct {
	Name   string          `json:"name"`
	Format string          `json:"format"`
	Schema json.RawMessage `json:"schema"`
}

// Exception is what a negative case expects: an exception of a type (a
// Java class name), whose message contains Message, and whose cause is
// of type Cause with a message containing CauseMessage.
type Exception struct {
	Type         string `json:"type"`
	Message      string `json:"message"`
	Cause        string `json:"cause"`
	CauseMessage string `json:"causeMessage"`
}

func (e *Exception) String() string {
	s := e.Type
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.Cause != "" || e.CauseMessage != "" {
		s += "; caused by " + e.Cause + ": " + e.CauseMessage
	}
	return strings.TrimPrefix(s, ": ")
}

// failureKind is where a case failed: parsing a statement, executing one,
// or a query at run time.
type failureKind int

const (
	parseFailure failureKind = iota
	statementFailure
	runtimeFailure
)

func (k failureKind) String() string {
	return [...]string{"a syntax error", "a statement error", "a failure at run time"}[k]
}

// exceptionKinds maps the exception types of ksqlDB's tests to the failures
// that are instances of them: ParseFailedException is a
// KsqlStatementException, which is a KsqlException; Kafka Streams wraps
// what a query throws while it processes records in a StreamsException.
// A type not listed is not checked (only the messages are).
var exceptionKinds = map[string][]failureKind{
	"io.confluent.ksql.parser.exception.ParseFailedException": {parseFailure},
	"io.confluent.ksql.util.KsqlStatementException":           {parseFailure, statementFailure},
	"io.confluent.ksql.util.KsqlException":                    {parseFailure, statementFailure},
	"org.apache.kafka.streams.errors.StreamsException":        {runtimeFailure},
}

// streamsWrapperMessage is the message of the StreamsException Kafka
// Streams wraps a processing failure in; the failure itself is its cause.
const streamsWrapperMessage = "Exception caught in process"

// mismatch says how a failure differs from the expected exception, or ""
// when it matches as ksqlDB's harness matches: the type where it maps to
// ours, the expected message contained in ours (and the cause's message,
// for a failure at run time, contained in ours too).
func (e *Exception) mismatch(kind failureKind, err error) string {
	if kinds, ok := exceptionKinds[e.Type]; ok && !slices.Contains(kinds, kind) {
		return fmt.Sprintf("want %s, got %s: %s", e.Type, kind, firstLine(err.Error()))
	}
	got := errorMessage(err)
	msg := e.Message
	if kind == runtimeFailure && e.Type == "org.apache.kafka.streams.errors.StreamsException" && msg == streamsWrapperMessage {
		msg = ""
	}
	for _, want := range []string{msg, e.CauseMessage} {
		if want != "" && !strings.Contains(got, want) {
			return fmt.Sprintf("want the message %q, got %q", want, got)
		}
	}
	return ""
}

// errorMessage is the text of an error as compared with ksqlDB's: the
// message of a SQL error without its position.
func errorMessage(err error) string {
	var se *sql.Error
	if errors.As(err, &se) {
		return se.Msg
	}
	return err.Error()
}

// Message is an input or expected output record.
type Message struct {
	Topic     string          `json:"topic"`
	Key       json.RawMessage `json:"key"`
	Value     json.RawMessage `json:"value"`
	Timestamp *int64          `json:"timestamp"`
	Window    *struct {
		Start int64  `json:"start"`
		End   int64  `json:"end"`
		Type  string `json:"type"`
	} `json:"window"`
	Partition *int32 `json:"partition"`
}

// Outcome of a case.
type Outcome int

const (
	Pass Outcome = iota
	Fail
	Skip
)

func (o Outcome) String() string { return [...]string{"PASS", "FAIL", "SKIP"}[o] }

// Result is one case's outcome.
type Result struct {
	File    string
	Name    string
	Outcome Outcome
	Reason  string
}

// Runner runs cases.
type Runner struct {
	Timeout time.Duration // per case (default 30s)
	Log     *slog.Logger
}

// schemaRegistryFormat finds a format with schemas in a statement's WITH
// clause (FORMAT, KEY_FORMAT, VALUE_FORMAT), upper-cased: such a case
// gets a schema registry beside its broker.
var schemaRegistryFormat = regexp.MustCompile(`FORMAT\s*=\s*'(AVRO|PROTOBUF|JSON_SR|PROTOBUF_NOSR)'`)

// expand returns the variants of a case: one per entry of "format" (with
// {FORMAT} substituted), or the case itself.
func expand(c Case) []Case {
	if len(c.Format) == 0 {
		return []Case{c}
	}
	var out []Case
	for _, f := range c.Format {
		v := c
		v.Name = c.Name + " - " + f
		v.Statements = nil
		for _, st := range c.Statements {
			v.Statements = append(v.Statements, strings.ReplaceAll(st, "{FORMAT}", f))
		}
		out = append(out, v)
	}
	return out
}

// testClasspathFunctions are functions ksqlDB's tests load from their own
// classpath (ksqldb-engine's test sources and its test UDF jars); they are
// not part of ksqlDB.
var testClasspathFunctions = []string{"BAD_UDF", "BAD_TEST_UDF", "BAD_TEST_UDAF", "BAD_TEST_UDTF",
	"TEST_UDF", "TEST_UDAF", "TEST_UDTF", "THROWING_UDTF", "WHENCONDITION", "WHENRESULT",
	"VAR_ARG", "MID_VAR_ARG", "GENERIC_VAR_ARG", "OBJ_COL_ARG", "MULTI_ARG", "FOUR_ARG", "FIVE_ARG",
	"MULTIPLY", "BACKWARD_CONCAT", "TOLIST", "TOMAP", "TOSTRING", "TOSTRUCT"}

// skipReason says why a case is out of scope, or "".
func skipReason(c Case) string {
	if c.Enabled != nil && !*c.Enabled {
		return "disabled in the suite"
	}
	text := strings.ToUpper(strings.Join(c.Statements, " "))
	if m := testClasspathCall.FindStringSubmatch(text); m != nil {
		return "uses " + m[1] + ", a function of ksqlDB's test classpath, not of ksqlDB"
	}
	return ""
}

// testClasspathCall finds a call of one of testClasspathFunctions (a whole
// name: MID_VAR_ARG is not VAR_ARG).
var testClasspathCall = regexp.MustCompile(`(?:^|[^A-Z0-9_])(` + strings.Join(testClasspathFunctions, "|") + `)\s*\(`)

// LoadFile reads a query-validation-test file. As ksqlDB's loader (Jackson
// with comments allowed) it accepts // and /* */ comments outside strings.
func LoadFile(path string) (*File, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var f File
	if err := json.Unmarshal(stripComments(raw), &f); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &f, nil
}

// stripComments blanks out // line comments and /* */ block comments that
// stand outside JSON strings, keeping every newline (so that the JSON
// decoder's offsets still point at the right line).
func stripComments(b []byte) []byte {
	out := make([]byte, 0, len(b))
	inString := false
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case inString:
			out = append(out, c)
			if c == '\\' && i+1 < len(b) {
				i++
				out = append(out, b[i])
			} else if c == '"' {
				inString = false
			}
		case c == '"':
			inString = true
			out = append(out, c)
		case c == '/' && i+1 < len(b) && b[i+1] == '/':
			for i < len(b) && b[i] != '\n' {
				out = append(out, ' ')
				i++
			}
			if i < len(b) {
				out = append(out, '\n')
			}
		case c == '/' && i+1 < len(b) && b[i+1] == '*':
			out = append(out, ' ', ' ')
			i += 2
			for ; i < len(b) && !(b[i] == '*' && i+1 < len(b) && b[i+1] == '/'); i++ {
				if b[i] == '\n' {
					out = append(out, '\n')
				} else {
					out = append(out, ' ')
				}
			}
			if i < len(b) {
				out = append(out, ' ', ' ')
				i++
			}
		default:
			out = append(out, c)
		}
	}
	return out
}

// RunFile runs every case of a file. Its error says the file could not be
// read; the cases' own failures are in the results.
func (r *Runner) RunFile(ctx context.Context, path string) ([]Result, error) {
	var out []Result
	err := r.RunFileFrom(ctx, path, 0, nil, func(res Result) { out = append(out, res) })
	return out, err
}

// RunFileFrom runs the cases of a file from the from-th on (counting each
// format of a case with formats as a case): begin is told each case's
// index and name before it runs (it may be nil), done its result. The
// error says the file could not be read.
func (r *Runner) RunFileFrom(ctx context.Context, path string, from int, begin func(i int, name string), done func(Result)) error {
	f, err := LoadFile(path)
	if err != nil {
		return err
	}
	i := 0
	for _, c := range f.Tests {
		for _, v := range expand(c) {
			if i < from {
				i++
				continue
			}
			if begin != nil {
				begin(i, v.Name)
			}
			res := Result{File: path, Name: v.Name}
			if why := skipReason(v); why != "" {
				res.Outcome, res.Reason = Skip, why
			} else {
				res.Outcome, res.Reason = r.runCase(ctx, v)
			}
			done(res)
			i++
			if ctx.Err() != nil {
				return ctx.Err()
			}
		}
	}
	return nil
}

func (r *Runner) runCase(parent context.Context, c Case) (outcome Outcome, reason string) {
	defer func() {
		if x := recover(); x != nil {
			outcome, reason = Fail, fmt.Sprintf("panic: %v", x)
		}
	}()
	timeout := r.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(parent, timeout)
	defer cancel()
	log := r.Log
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	broker, err := kafka.StartBroker(ctx, kafka.BrokerConfig{Listen: "127.0.0.1:0", Partitions: 1, Logger: log})
	if err != nil {
		return Fail, "broker: " + err.Error()
	}
	defer broker.Close()
	addr := broker.Addr()
	for _, t := range c.Topics {
		if err := createTopic(ctx, addr, t.Name, max(t.Partitions, 1)); err != nil {
			return Fail, "create topic: " + err.Error()
		}
	}
	jobsCtx, stopJobs := context.WithCancel(context.Background())
	defer stopJobs()
	reg := engine.NewRegistry()
	all.Register(reg, io.Discard)
	jobs := session.NewJobManager(jobsCtx, log)
	defer jobs.StopAll()
	var props map[string]string
	if needsRegistry(c) {
		sreg, err := schemaregistry.Start(ctx, schemaregistry.Config{Bootstrap: []string{addr}, Listen: "127.0.0.1:0", Log: log})
		if err != nil {
			return Fail, "schema registry: " + err.Error()
		}
		defer sreg.Close()
		props = map[string]string{format.RegistryURLKey: sreg.URL()}
		if err := srCall(ctx, sreg.URL(), "PUT", "/config", map[string]string{"compatibility": "NONE"}); err != nil {
			return Fail, "schema registry: " + err.Error()
		}
		// As ksqlDB's test driver, the schemas of the topics the CREATE
		// statements declare come first, then the case's own topics.
		scratch := session.New(session.Config{Registry: reg, Jobs: jobs, Bootstrap: addr, Dialect: sql.KSQL, Log: log, KafkaProperties: props})
		for _, text := range sourceStatements(c) {
			scratch.ExecuteText(ctx, text) // its failures are the real run's to report
		}
		if err := registerTopicSchemas(ctx, sreg.URL(), c.Topics); err != nil {
			return Fail, err.Error()
		}
	}
	s := session.New(session.Config{Registry: reg, Jobs: jobs, Bootstrap: addr, Dialect: sql.KSQL, Log: log, KafkaProperties: props})
	s.Set("auto.offset.reset", "earliest")
	s.Set("pipeline.auto-watermark-interval", "0")
	for k, v := range c.Properties {
		s.Set(k, fmt.Sprint(v))
	}
	// Topics of the inputs exist before the statements run, as in ksqlDB's
	// test driver.
	for _, in := range c.Inputs {
		if err := createTopic(ctx, addr, in.Topic, 1); err != nil {
			return Fail, "create topic: " + err.Error()
		}
	}
	var stmtErr error
	failedAt, failure := -1, statementFailure
	for i, text := range c.Statements {
		if _, err := s.ExecuteText(ctx, text); err != nil {
			stmtErr, failedAt = err, i
			if _, perr := session.Parse(text, sql.KSQL); perr != nil {
				failure = parseFailure
			}
			break
		}
	}
	if want := c.ExpectedException; want != nil {
		// As ksqlDB's harness: the first error, of a statement or of a
		// query at run time, must be the expected one.
		if stmtErr != nil {
			if why := want.mismatch(failure, stmtErr); why != "" {
				return Fail, fmt.Sprintf("statement %d of %d failed, not as expected: %s", failedAt+1, len(c.Statements), why)
			}
			return Pass, fmt.Sprintf("statement %d of %d failed as expected: %s", failedAt+1, len(c.Statements), firstLine(stmtErr.Error()))
		}
		// Some exceptions surface at run time: produce and look for a failed job.
		if err := r.produce(ctx, addr, s, c.Inputs); err == nil {
			jobs.SyncAll(ctx, false)
		}
		for _, j := range jobs.List() {
			if err := j.Job.Err(); err != nil {
				if why := want.mismatch(runtimeFailure, err); why != "" {
					return Fail, "a query failed at run time, not as expected: " + why
				}
				return Pass, "failed at run time as expected: " + firstLine(err.Error())
			}
		}
		return Fail, fmt.Sprintf("expected an error (%s), every statement succeeded", want)
	}
	if stmtErr != nil {
		return Fail, "statement failed: " + firstLine(stmtErr.Error())
	}
	if err := r.produce(ctx, addr, s, c.Inputs); err != nil {
		return Fail, "produce: " + err.Error()
	}
	// Queries may feed each other: sync until nothing changes.
	for i := 0; i < 3; i++ {
		if err := jobs.SyncAll(ctx, false); err != nil {
			return Fail, "sync: " + firstLine(err.Error())
		}
	}
	for _, j := range jobs.List() {
		if err := j.Job.Err(); err != nil {
			return Fail, "job " + j.ID + " failed: " + firstLine(err.Error())
		}
	}
	if outcome, why := r.compare(ctx, addr, s, c.Outputs); outcome != Pass {
		return outcome, why
	}
	if why := checkPost(ctx, addr, s, c.Post); why != "" {
		return Fail, why
	}
	return Pass, ""
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func createTopic(ctx context.Context, addr, name string, parts int) error {
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr))
	if err != nil {
		return err
	}
	defer cl.Close()
	resp, err := kadm.NewClient(cl).CreateTopic(ctx, int32(parts), 1, nil, name)
	if err == nil {
		err = resp.Err
	}
	if err != nil && !errors.Is(err, kerr.TopicAlreadyExists) {
		return err
	}
	return nil
}

// tableFor finds the stream or table declared on a topic.
func tableFor(s *session.Session, topic string) *planner.Table {
	for _, t := range s.Catalog.List() {
		if t.KSQL != nil && t.KSQL.Topic == topic && !t.KSQL.IsSink {
			return t
		}
	}
	for _, t := range s.Catalog.List() {
		if t.KSQL != nil && t.KSQL.Topic == topic {
			return t
		}
	}
	return nil
}

func (r *Runner) produce(ctx context.Context, addr string, s *session.Session, msgs []Message) error {
	if len(msgs) == 0 {
		return nil
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		return err
	}
	defer cl.Close()
	// ksqlDB's test driver processes each input before the next one is
	// piped in; with several input topics the order across them matters
	// (a stream row joins the table row produced before it), so each
	// record is then consumed before the next is produced.
	oneByOne := false
	for _, m := range msgs {
		oneByOne = oneByOne || m.Topic != msgs[0].Topic
	}
	for _, m := range msgs {
		t := tableFor(s, m.Topic)
		url := s.KafkaProperties[format.RegistryURLKey]
		var key, val []byte
		if t != nil && schemaFormats[t.KSQL.KeyFormat] && !isNull(m.Key) {
			key, err = encodeSchemaPart(t, url, true, m.Key)
			if err == nil && m.Window != nil && t.KSQL.Windowed != nil {
				if t.KSQL.Windowed.Kind == engine.Session {
					key = binary.BigEndian.AppendUint64(key, uint64(m.Window.End))
				}
				key = binary.BigEndian.AppendUint64(key, uint64(m.Window.Start))
			}
		} else {
			key, err = encodeKey(t, m)
		}
		if err != nil {
			return err
		}
		if t != nil && schemaFormats[t.KSQL.ValueFormat] && !isNull(m.Value) {
			val, err = encodeSchemaPart(t, url, false, m.Value)
		} else {
			val, err = encodeValue(t, m.Value)
		}
		if err != nil {
			return err
		}
		rec := &kgo.Record{Topic: m.Topic, Key: key, Value: val}
		if m.Partition != nil {
			rec.Partition = *m.Partition
		}
		if m.Timestamp != nil {
			rec.Timestamp = time.UnixMilli(*m.Timestamp)
		} else {
			rec.Timestamp = time.UnixMilli(0)
		}
		if err := cl.ProduceSync(ctx, rec).FirstErr(); err != nil {
			return err
		}
		if oneByOne {
			for i := 0; i < 2; i++ {
				if err := s.Jobs.SyncAll(ctx, false); err != nil {
					return nil // the caller reports failed jobs
				}
			}
		}
	}
	return nil
}

func isNull(raw json.RawMessage) bool {
	return len(raw) == 0 || string(bytes.TrimSpace(raw)) == "null"
}

func decodeAny(raw json.RawMessage) (any, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	err := d.Decode(&v)
	return v, err
}

// encodeKey serializes a key as the table's key format would.
func encodeKey(t *planner.Table, m Message) ([]byte, error) {
	if isNull(m.Key) {
		return nil, nil
	}
	format := "KAFKA"
	var keyType *types.Type
	if t != nil {
		format = t.KSQL.KeyFormat
		for _, c := range t.Columns {
			if c.Key {
				ct := c.Type
				keyType = &ct
				break
			}
		}
	}
	var b []byte
	switch format {
	case "NONE":
		return nil, nil
	case "JSON":
		b = append([]byte(nil), m.Key...)
	case "DELIMITED":
		v, err := decodeAny(m.Key)
		if err != nil {
			return nil, err
		}
		b = []byte(fmt.Sprint(v))
	default:
		v, err := decodeAny(m.Key)
		if err != nil {
			return nil, err
		}
		b, err = kafkaBytes(v, keyType)
		if err != nil {
			return nil, err
		}
	}
	if m.Window != nil && t != nil && t.KSQL.Windowed != nil {
		// Kafka Streams' windowed keys: the start (time windows), or the
		// end then the start (session windows), after the key.
		if t.KSQL.Windowed.Kind == engine.Session {
			b = binary.BigEndian.AppendUint64(b, uint64(m.Window.End))
		}
		b = binary.BigEndian.AppendUint64(b, uint64(m.Window.Start))
	}
	return b, nil
}

// kafkaBytes is the KAFKA format of a primitive.
func kafkaBytes(v any, t *types.Type) ([]byte, error) {
	kind := types.String
	if t != nil {
		kind = t.Kind
	} else if _, ok := v.(json.Number); ok {
		kind = types.BigInt
	}
	switch kind {
	case types.Int, types.SmallInt, types.TinyInt:
		n, err := number(v)
		if err != nil {
			return nil, err
		}
		return binary.BigEndian.AppendUint32(nil, uint32(int32(n))), nil
	case types.BigInt:
		n, err := number(v)
		if err != nil {
			return nil, err
		}
		return binary.BigEndian.AppendUint64(nil, uint64(int64(n))), nil
	case types.Double, types.Float:
		n, err := number(v)
		if err != nil {
			return nil, err
		}
		return binary.BigEndian.AppendUint64(nil, math.Float64bits(n)), nil
	}
	switch x := v.(type) {
	case string:
		return []byte(x), nil
	default:
		return []byte(fmt.Sprint(x)), nil
	}
}

func number(v any) (float64, error) {
	switch x := v.(type) {
	case json.Number:
		return x.Float64()
	case string:
		return strconv.ParseFloat(x, 64)
	case bool:
		if x {
			return 1, nil
		}
		return 0, nil
	}
	return 0, fmt.Errorf("not a number: %v", v)
}

// encodeValue serializes a value as the table's value format would: JSON
// as given, DELIMITED and KAFKA from the text or number.
func encodeValue(t *planner.Table, raw json.RawMessage) ([]byte, error) {
	if isNull(raw) {
		return nil, nil
	}
	format := "JSON"
	if t != nil {
		format = t.KSQL.ValueFormat
	}
	switch format {
	case "DELIMITED":
		v, err := decodeAny(raw)
		if err != nil {
			return nil, err
		}
		if s, ok := v.(string); ok {
			return []byte(s), nil
		}
		return []byte(fmt.Sprint(v)), nil
	case "KAFKA":
		v, err := decodeAny(raw)
		if err != nil {
			return nil, err
		}
		var vt *types.Type
		for _, c := range t.Columns {
			if !c.Key {
				ct := c.Type
				vt = &ct
				break
			}
		}
		return kafkaBytes(v, vt)
	}
	return append([]byte(nil), raw...), nil
}

type got struct {
	key       any
	value     any
	ts        int64
	wstart    int64
	wend      int64
	hasWindow bool
}

// compare reads each expected topic and compares records in order.
func (r *Runner) compare(ctx context.Context, addr string, s *session.Session, want []Message) (Outcome, string) {
	byTopic := map[string][]Message{}
	var order []string
	for _, m := range want {
		if _, ok := byTopic[m.Topic]; !ok {
			order = append(order, m.Topic)
		}
		byTopic[m.Topic] = append(byTopic[m.Topic], m)
	}
	url := s.KafkaProperties[format.RegistryURLKey]
	for _, topic := range order {
		t := sinkFor(s, topic)
		recs, err := readTopic(ctx, addr, topic)
		if err != nil {
			return Fail, "read " + topic + ": " + err.Error()
		}
		exp := byTopic[topic]
		if len(recs) != len(exp) {
			return Fail, fmt.Sprintf("topic %s: %d records, want %d%s; got %s", topic, len(recs), len(exp), firstDiff(t, url, recs, exp), listRecords(t, url, recs))
		}
		for i, rec := range recs {
			g, err := decodeRecord(t, url, rec)
			if err != nil {
				return Fail, fmt.Sprintf("topic %s record %d: %v", topic, i, err)
			}
			if msg := matches(t, g, exp[i]); msg != "" {
				return Fail, fmt.Sprintf("topic %s record %d: %s", topic, i, msg)
			}
		}
	}
	return Pass, ""
}

// listRecords shows the first records read, for failure messages.
func listRecords(t *planner.Table, url string, recs []*kgo.Record) string {
	var parts []string
	for i, r := range recs {
		if i == 8 {
			parts = append(parts, "...")
			break
		}
		g, err := decodeRecord(t, url, r)
		if err != nil {
			parts = append(parts, err.Error())
			continue
		}
		k, _ := json.Marshal(g.key)
		v, _ := json.Marshal(g.value)
		parts = append(parts, fmt.Sprintf("%s=%s@%d", k, v, g.ts))
	}
	return "[" + strings.Join(parts, " ") + "]"
}

func firstDiff(t *planner.Table, url string, recs []*kgo.Record, exp []Message) string {
	for i := 0; i < len(recs) && i < len(exp); i++ {
		g, err := decodeRecord(t, url, recs[i])
		if err != nil {
			return fmt.Sprintf("; record %d: %v", i, err)
		}
		if msg := matches(t, g, exp[i]); msg != "" {
			return fmt.Sprintf("; first difference at record %d: %s", i, msg)
		}
	}
	return ""
}

func sinkFor(s *session.Session, topic string) *planner.Table {
	for _, t := range s.Catalog.List() {
		if t.KSQL != nil && t.KSQL.Topic == topic && t.KSQL.IsSink {
			return t
		}
	}
	return tableFor(s, topic)
}

// readTopic reads topic from its start to the end offsets it has now, in
// partition and offset order.
func readTopic(ctx context.Context, addr, topic string) ([]*kgo.Record, error) {
	return topicread.Read(ctx, addr, topic, false)
}

func decodeRecord(t *planner.Table, url string, r *kgo.Record) (got, error) {
	g := got{ts: r.Timestamp.UnixMilli()}
	key := r.Key
	keyFormat, valueFormat := "KAFKA", "JSON"
	var keyCols, valCols []planner.Column
	if t != nil {
		keyFormat, valueFormat = t.KSQL.KeyFormat, t.KSQL.ValueFormat
		for _, c := range t.Columns {
			if c.Key {
				keyCols = append(keyCols, c)
			} else {
				valCols = append(valCols, c)
			}
		}
		if w := t.KSQL.Windowed; w != nil && key != nil {
			n := 8
			if w.Kind == engine.Session {
				n = 16
			}
			if len(key) < n {
				return g, fmt.Errorf("windowed key too short: %x", key)
			}
			g.hasWindow = true
			g.wstart = int64(binary.BigEndian.Uint64(key[len(key)-8:]))
			if w.Kind == engine.Session {
				g.wend = int64(binary.BigEndian.Uint64(key[len(key)-16:]))
			} else {
				g.wend = g.wstart + w.Size/types.MicrosPerMilli
			}
			key = key[:len(key)-n]
		}
	}
	var err error
	if key != nil && schemaFormats[keyFormat] {
		if g.key, err = decodeSchemaPart(t, url, true, key); err != nil {
			return g, fmt.Errorf("key %x: %w", key, err)
		}
	} else if key != nil {
		switch keyFormat {
		case "JSON":
			g.key, err = decodeAny(key)
		case "DELIMITED":
			g.key = string(key)
		case "NONE":
		default:
			var kt types.Type
			if len(keyCols) > 0 {
				kt = keyCols[0].Type
			}
			g.key, err = fromKafka(key, kt)
		}
		if err != nil {
			return g, fmt.Errorf("key %x: %w", key, err)
		}
	}
	if r.Value != nil && schemaFormats[valueFormat] {
		if g.value, err = decodeSchemaPart(t, url, false, r.Value); err != nil {
			return g, fmt.Errorf("value %x: %w", r.Value, err)
		}
	} else if r.Value != nil {
		switch valueFormat {
		case "JSON":
			g.value, err = decodeAny(r.Value)
		case "KAFKA":
			var vt types.Type
			if len(valCols) > 0 {
				vt = valCols[0].Type
			}
			g.value, err = fromKafka(r.Value, vt)
		default:
			g.value = string(r.Value)
		}
		if err != nil {
			return g, fmt.Errorf("value %q: %w", r.Value, err)
		}
	}
	return g, nil
}

func fromKafka(b []byte, t types.Type) (any, error) {
	switch t.Kind {
	case types.Int:
		if len(b) != 4 {
			return nil, errors.New("INT needs 4 bytes")
		}
		return json.Number(strconv.FormatInt(int64(int32(binary.BigEndian.Uint32(b))), 10)), nil
	case types.BigInt:
		if len(b) != 8 {
			return nil, errors.New("BIGINT needs 8 bytes")
		}
		return json.Number(strconv.FormatInt(int64(binary.BigEndian.Uint64(b)), 10)), nil
	case types.Double:
		if len(b) != 8 {
			return nil, errors.New("DOUBLE needs 8 bytes")
		}
		return json.Number(strconv.FormatFloat(math.Float64frombits(binary.BigEndian.Uint64(b)), 'g', -1, 64)), nil
	}
	return string(b), nil
}

// matches compares a record with an expected message; "" means equal.
func matches(t *planner.Table, g got, m Message) string {
	wantKey, err := decodeAny(m.Key)
	if isNull(m.Key) {
		wantKey, err = nil, nil
	}
	if err != nil {
		return "bad expected key: " + err.Error()
	}
	if wantKey != nil && t != nil && schemaFormats[t.KSQL.KeyFormat] {
		wantKey = expectedThroughSchema(t, true, m.Key, wantKey)
	}
	if !equalJSON(g.key, wantKey) {
		return fmt.Sprintf("key %s, want %s", show(g.key), show(wantKey))
	}
	var wantVal any
	if !isNull(m.Value) {
		if wantVal, err = decodeAny(m.Value); err != nil {
			return "bad expected value: " + err.Error()
		}
		if t != nil && schemaFormats[t.KSQL.ValueFormat] {
			wantVal = expectedThroughSchema(t, false, m.Value, wantVal)
		}
	}
	if !equalJSON(g.value, wantVal) {
		return fmt.Sprintf("value %s, want %s", show(g.value), show(wantVal))
	}
	if m.Timestamp != nil && *m.Timestamp != g.ts {
		return fmt.Sprintf("timestamp %d, want %d", g.ts, *m.Timestamp)
	}
	if m.Window != nil {
		if !g.hasWindow {
			return "no window in the key"
		}
		if g.wstart != m.Window.Start || g.wend != m.Window.End {
			return fmt.Sprintf("window [%d, %d), want [%d, %d)", g.wstart, g.wend, m.Window.Start, m.Window.End)
		}
	}
	return ""
}

func show(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// equalJSON compares decoded JSON: numbers by value, objects by keys.
func equalJSON(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case json.Number:
		y, ok := b.(json.Number)
		if !ok {
			if s, isStr := b.(string); isStr {
				return string(x) == s
			}
			return false
		}
		fx, okx := new(big.Float).SetString(string(x))
		fy, oky := new(big.Float).SetString(string(y))
		if !okx || !oky {
			return string(x) == string(y)
		}
		return fx.Cmp(fy) == 0
	case string:
		if y, ok := b.(json.Number); ok {
			return x == string(y)
		}
		y, ok := b.(string)
		return ok && x == y
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !equalJSON(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		// As ksqlDB's harness: as many fields, and each expected one
		// equal to the field of its name (whatever its case: its tests
		// may write {"json_v": ...} for a column JSON_V), a missing
		// field reading as NULL.
		for k, w := range y {
			v, ok := x[k]
			if !ok {
				v, _ = foldedKey(x, k)
			}
			if !equalJSON(v, w) {
				return false
			}
		}
		return true
	}
	return false
}

// foldedKey finds the one key of m equal to k ignoring case.
func foldedKey(m map[string]any, k string) (any, bool) {
	var found any
	n := 0
	for mk, v := range m {
		if strings.EqualFold(mk, k) {
			found, n = v, n+1
		}
	}
	return found, n == 1
}

// Summary counts outcomes.
func Summary(rs []Result) (pass, fail, skip int) {
	for _, r := range rs {
		switch r.Outcome {
		case Pass:
			pass++
		case Fail:
			fail++
		default:
			skip++
		}
	}
	return
}

// SuiteCase is the result as a case of the suite's expectations.
func (r Result) SuiteCase() suites.Case {
	return suites.Case{File: filepath.Base(r.File), Name: r.Name, State: suites.State(r.Outcome.String()), Reason: r.Reason}
}
