package kafka

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/tumble/tumble/connectors/format"
	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/types"
)

// ErrOption is wrapped by every error about a table's WITH options.
var ErrOption = errors.New("invalid kafka table option")

// Startup modes (scan.startup.mode).
const (
	StartEarliest = "earliest-offset"
	StartLatest   = "latest-offset"
	StartGroup    = "group-offsets"
	StartTime     = "timestamp"
	StartSpecific = "specific-offsets"
)

// Metadata keys beyond engine's topic-level ones.
const (
	metaLeaderEpoch   = "leader-epoch"
	metaTimestampType = "timestamp-type"
	metaKey           = "key"
	// ksqlDB windowed keys: the window bounds serialized after the key.
	MetaWindowStart = "windowstart"
	MetaWindowEnd   = "windowend"
)

// Defaults.
const (
	defaultBootstrap  = "localhost:9092"
	defaultDiscovery  = 5 * time.Minute
	defaultAPITimeout = 30 * time.Second
)

// options lists the WITH keys the connector accepts (both dialects).
func options() []string {
	o := []string{
		"connector", "topic", "topic-pattern", "properties.*",
		"key.fields", "key.fields-prefix", "value.fields-include",
		"scan.startup.mode", "scan.startup.specific-offsets", "scan.startup.timestamp-millis",
		"scan.bounded.mode", "scan.bounded.specific-offsets", "scan.topic-partition-discovery.interval", "scan.parallelism",
		"sink.partitioner", "sink.delivery-guarantee", "sink.semantic", "sink.transactional-id-prefix", "sink.parallelism",
		// ksqlDB, as the planner translates its WITH clause.
		"partitions", "replicas", "retention.ms", "window.type", "window.size",
	}
	o = append(o, watermarkOptions...)
	return append(o, format.Options()...)
}

// watermarkOptions are Flink's table-level watermark options (FLIP-296).
// 'scan.watermark.idle-timeout' is the table's idle timeout (the planner
// reads it); the others are accepted with a warning (unused).
var watermarkOptions = []string{"scan.watermark.idle-timeout", "scan.watermark.emit.strategy", "scan.watermark.emit.on-event.gap",
	"scan.watermark.alignment.group", "scan.watermark.alignment.max-drift", "scan.watermark.alignment.update-interval"}

// usedProperties are the Kafka client properties ('properties.*') Tumble
// reads, besides the security ones (IsSecurityProperty).
var usedProperties = map[string]bool{"bootstrap.servers": true, "group.id": true, "isolation.level": true,
	"default.api.timeout.ms": true, "auto.offset.reset": true, "client.id": true, "linger.ms": true,
	"compression.type": true, "transaction.timeout.ms": true, "allow.auto.create.topics": true}

// unused warns about the options of a Flink table that the kafka and
// upsert-kafka connectors accept but do not act on: format options,
// watermark emission and alignment, and Kafka client properties Tumble
// does not read. (The planner warns about the parallelism options of
// every connector.)
func unused(spec *engine.TableSpec) []string {
	out := format.Unused(spec)
	out = append(out, engine.NoEffect(spec, "watermarks are emitted every 'pipeline.auto-watermark-interval'",
		"scan.watermark.emit.strategy", "scan.watermark.emit.on-event.gap")...)
	out = append(out, engine.NoEffect(spec, "Tumble does not align watermarks across sources",
		"scan.watermark.alignment.group", "scan.watermark.alignment.max-drift", "scan.watermark.alignment.update-interval")...)
	var props []string
	for k := range spec.Options {
		if p, ok := strings.CutPrefix(k, "properties."); ok && !usedProperties[p] && !IsSecurityProperty(p) {
			props = append(props, "'"+k+"'")
		}
	}
	sort.Strings(props)
	switch len(props) {
	case 0:
	case 1:
		out = append(out, fmt.Sprintf("Table '%s': the Kafka client property %s is not used by Tumble: it has no effect.", spec.Name, props[0]))
	default:
		out = append(out, fmt.Sprintf("Table '%s': the Kafka client properties %s are not used by Tumble: they have no effect.", spec.Name, strings.Join(props, ", ")))
	}
	return out
}

// metaCol is a metadata column of the table.
type metaCol struct {
	pos     int
	key     string
	typ     types.Type
	virtual bool
}

// config is a table's options, parsed and checked once.
type config struct {
	spec *engine.TableSpec
	name string
	// rules are the table's conventions (engine.TableRules).
	rules *engine.TableRules
	// rowTopic: rows may name their topic and partition (DefaultRowTopic).
	rowTopic bool
	// upsert: Flink's 'upsert-kafka' (key = PRIMARY KEY, always from the
	// earliest offset).
	upsert bool
	// changelog: the topic is a keyed changelog (engine.NullValuesDelete,
	// upsert-kafka): a
	// tombstone reads as a Delete; a sink writes -D as a tombstone and
	// drops -U (upsert-kafka: unless no new row of its key follows).
	changelog bool

	topic     string
	brokers   []string
	group     string
	committed bool // read_committed
	props     map[string]string
	sec       *Security // authentication and TLS

	startMode string
	startTs   int64
	specific  map[int32]int64
	resetTo   string // group-offsets without a committed offset: earliest, latest or none
	discovery time.Duration
	bounded   bool // scan.bounded.mode = latest-offset or specific-offsets
	// boundedAt: scan.bounded.mode = specific-offsets, where each
	// partition stops (one not named: at its start, as Flink)
	boundedAt map[int32]int64
	// assigned, when set, are the only partitions read
	// (DefaultPartitions).
	assigned map[int32]bool
	// special: specific offsets may be -1 (the partition's end) and -2 (its
	// start), as Spark's (DefaultSpecialOffsets).
	special bool
	timeout time.Duration

	keyCols, valCols []format.Column
	meta             []metaCol
	skipBad          bool
	loc              *time.Location

	partitioner string
	delivery    string
	// upsert-kafka's sink buffer: keep each key's last change and write
	// them when bufferRows keys are held or bufferInterval has passed (and
	// at every flush); 0 rows: no buffer.
	bufferRows     int
	bufferInterval time.Duration
	txPrefix       string
	partitions     int32
	replicas       int16
	retentionMs    string // the topic's retention.ms when the sink creates it ("": the broker's)

	window     string // ksqlDB windowed key: "", "time" or "session"
	windowSize int64  // millis; time windows, to compute the end on read
}

func optErr(spec *engine.TableSpec, format string, args ...any) error {
	return fmt.Errorf("%w: table '%s': %s", ErrOption, spec.Name, fmt.Sprintf(format, args...))
}

// parseConfig reads and checks a table's options; it builds no client.
// upsert selects the 'upsert-kafka' connector's rules.
func parseConfig(spec *engine.TableSpec, upsert bool) (*config, error) {
	c := &config{spec: spec, name: spec.Name, rules: &spec.Rules, upsert: upsert, props: map[string]string{}}
	c.changelog = c.rules.NullValues == engine.NullValuesDelete || upsert
	for k, v := range spec.Options {
		if p, ok := strings.CutPrefix(k, "properties."); ok {
			c.props[p] = v
		}
	}
	if err := c.parseTopic(); err != nil {
		return nil, err
	}
	switch {
	case upsert && len(spec.PrimaryKey) == 0:
		return nil, optErr(spec, "the 'upsert-kafka' connector needs a PRIMARY KEY")
	case c.rules.Keys == engine.KeysByOption && !upsert && len(spec.PrimaryKey) > 0:
		return nil, optErr(spec, "the 'kafka' connector does not support PRIMARY KEY (it is append-only); use the 'upsert-kafka' connector for a keyed changelog")
	}
	c.brokers = splitList(c.props["bootstrap.servers"], ",")
	if len(c.brokers) == 0 {
		c.brokers = splitList(spec.Defaults["bootstrap.servers"], ",")
	}
	if len(c.brokers) == 0 {
		c.brokers = []string{defaultBootstrap}
	}
	if err := c.parseSecurity(); err != nil {
		return nil, err
	}
	c.group = c.props["group.id"]
	switch v := strings.ToLower(c.props["isolation.level"]); v {
	case "", "read_uncommitted":
	case "read_committed":
		c.committed = true
	default:
		return nil, optErr(spec, "'properties.isolation.level' must be read_committed or read_uncommitted, not '%s'", v)
	}
	var err error
	if c.loc, err = format.Location(spec.Defaults["local-time-zone"]); err != nil {
		return nil, optErr(spec, "%v", err)
	}
	c.timeout = defaultAPITimeout
	if v, ok := c.props["default.api.timeout.ms"]; ok {
		ms, err := strconv.Atoi(v)
		if err != nil || ms <= 0 {
			return nil, optErr(spec, "'properties.default.api.timeout.ms' must be a positive number of milliseconds, not '%s'", v)
		}
		c.timeout = time.Duration(ms) * time.Millisecond
	}
	if err := c.parseScan(); err != nil {
		return nil, err
	}
	if v, ok := spec.Option("scan.watermark.idle-timeout"); ok {
		if d, err := format.ParseDuration(v); err != nil || d < 0 {
			return nil, optErr(spec, "'scan.watermark.idle-timeout' must be a duration, not '%s'", v)
		}
	}
	if err := c.parseWindow(); err != nil {
		return nil, err
	}
	if err := c.parseColumns(); err != nil {
		return nil, err
	}
	if err := c.parseSink(); err != nil {
		return nil, err
	}
	c.skipBad = format.SkipsBadRecords(spec, "value.") || (len(c.keyCols) > 0 && format.SkipsBadRecords(spec, "key."))
	return c, nil
}

// parseSecurity reads the table's security properties
// ('properties.security.protocol', 'properties.sasl.mechanism',
// 'properties.sasl.jaas.config', 'properties.ssl.*'). A table that sets
// none of them and reads the process's default cluster (no bootstrap
// servers of its own, or the same) takes the process's (tumble --kafka-config,
// as ksqlDB's server configuration applies to every query).
func (c *config) parseSecurity() error {
	props := map[string]string{}
	for k, v := range c.props {
		if IsSecurityProperty(k) {
			props[k] = v
		}
	}
	own := c.props["bootstrap.servers"]
	if len(props) == 0 && (own == "" || own == c.spec.Defaults["bootstrap.servers"]) {
		for k, v := range c.spec.Defaults {
			if IsSecurityProperty(k) {
				props[k] = v
			}
		}
	}
	sec, err := ParseSecurity(props)
	if err != nil {
		return optErr(c.spec, "%v", err)
	}
	c.sec = sec
	return nil
}

func (c *config) parseTopic() error {
	if _, ok := c.spec.Option("topic-pattern"); ok {
		return optErr(c.spec, "'topic-pattern' is not supported; name one topic with 'topic'")
	}
	t, ok := c.spec.Option("topic")
	t = strings.TrimSpace(t)
	c.rowTopic = c.spec.Defaults[DefaultRowTopic] == "true"
	c.special = c.spec.Defaults[DefaultSpecialOffsets] == "true"
	if v, ok := c.spec.Defaults[DefaultPartitions]; ok {
		c.assigned = map[int32]bool{}
		for _, p := range splitList(v, ",") {
			n, err := strconv.ParseInt(p, 10, 32)
			if err != nil || n < 0 {
				return optErr(c.spec, "partition '%s' is not a partition number", p)
			}
			c.assigned[int32(n)] = true
		}
	}
	if !ok && c.rowTopic {
		return nil // each row names its topic (checked by the sink)
	}
	if !ok || t == "" {
		if c.rules.Wording == engine.WordProperties {
			return optErr(c.spec, "the KAFKA_TOPIC property is required")
		}
		return optErr(c.spec, "option 'topic' is required")
	}
	if strings.Contains(t, ";") {
		return optErr(c.spec, "'topic' names several topics ('%s'); only one topic per table is supported", t)
	}
	if err := validTopicName(t); err != nil {
		return optErr(c.spec, "%v", err)
	}
	c.topic = t
	return nil
}

// validTopicName applies Kafka's topic name rules.
func validTopicName(t string) error {
	if t == "." || t == ".." || len(t) > 249 {
		return fmt.Errorf("invalid topic name '%s'", t)
	}
	for _, r := range t {
		if !(r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '.' || r == '_' || r == '-')) {
			return fmt.Errorf("invalid topic name '%s': only ASCII letters, digits, '.', '_' and '-' are allowed", t)
		}
	}
	return nil
}

func (c *config) parseScan() error {
	spec := c.spec
	if c.upsert {
		// Always the whole changelog, from the earliest offset; a bounded
		// read (batch mode) stops at the end offsets seen at start.
		c.startMode, c.resetTo, c.discovery = StartEarliest, "earliest", defaultDiscovery
		return c.parseBounded()
	}
	c.startMode = strings.ToLower(strings.TrimSpace(spec.OptionOr("scan.startup.mode", "")))
	if c.startMode == "" {
		switch {
		case c.rules.Start == engine.StartByOffsetReset:
			// ksqlDB's queries start where 'auto.offset.reset' says, latest
			// unless the session or the server sets earliest.
			c.startMode = StartLatest
			if strings.EqualFold(strings.TrimSpace(spec.Defaults["auto.offset.reset"]), "earliest") {
				c.startMode = StartEarliest
			}
		case c.group == "":
			c.startMode = StartEarliest
		default:
			c.startMode = StartGroup // Flink's default
		}
	}
	switch c.startMode {
	case StartEarliest, StartLatest:
	case StartGroup:
		if c.group == "" {
			return optErr(spec, "'scan.startup.mode' = 'group-offsets' needs 'properties.group.id'")
		}
	case StartTime:
		v, ok := spec.Option("scan.startup.timestamp-millis")
		if !ok {
			return optErr(spec, "'scan.startup.mode' = 'timestamp' needs 'scan.startup.timestamp-millis'")
		}
		ts, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil || ts < 0 {
			return optErr(spec, "'scan.startup.timestamp-millis' must be epoch milliseconds, not '%s'", v)
		}
		c.startTs = ts
	case StartSpecific:
		v, ok := spec.Option("scan.startup.specific-offsets")
		if !ok {
			return optErr(spec, "'scan.startup.mode' = 'specific-offsets' needs 'scan.startup.specific-offsets'")
		}
		m, err := parseSpecificOffsets(v, c.special)
		if err != nil {
			return optErr(spec, "'scan.startup.specific-offsets': %v", err)
		}
		c.specific = m
	default:
		return optErr(spec, "unknown 'scan.startup.mode' '%s' (supported: earliest-offset, latest-offset, group-offsets, timestamp, specific-offsets)", c.startMode)
	}
	c.resetTo = "earliest"
	if v, ok := c.props["auto.offset.reset"]; ok {
		switch v = strings.ToLower(v); v {
		case "earliest", "latest", "none":
			c.resetTo = v
		default:
			return optErr(spec, "'properties.auto.offset.reset' must be earliest, latest or none, not '%s'", v)
		}
	}
	c.discovery = defaultDiscovery
	if v, ok := spec.Option("scan.topic-partition-discovery.interval"); ok {
		d, err := format.ParseDuration(v)
		if err != nil {
			return optErr(spec, "'scan.topic-partition-discovery.interval': %v", err)
		}
		c.discovery = d // 0 disables
	}
	return c.parseBounded()
}

func (c *config) parseBounded() error {
	switch v := strings.ToLower(c.spec.OptionOr("scan.bounded.mode", "unbounded")); v {
	case "unbounded":
	case "latest-offset":
		c.bounded = true
	case "specific-offsets":
		o, ok := c.spec.Option("scan.bounded.specific-offsets")
		if !ok {
			return optErr(c.spec, "'scan.bounded.mode' = 'specific-offsets' needs 'scan.bounded.specific-offsets'")
		}
		m, err := parseSpecificOffsets(o, c.special)
		if err != nil {
			return optErr(c.spec, "'scan.bounded.specific-offsets': %v", err)
		}
		c.bounded, c.boundedAt = true, m
	default:
		return optErr(c.spec, "'scan.bounded.mode' '%s' is not supported (supported: unbounded, latest-offset, specific-offsets)", v)
	}
	return nil
}

// parseSpecificOffsets parses 'partition:0,offset:42;partition:1,offset:300'.
func parseSpecificOffsets(s string, special bool) (map[int32]int64, error) {
	m := map[int32]int64{}
	for _, part := range splitList(s, ";") {
		var p, o string
		for _, kv := range strings.Split(part, ",") {
			k, v, ok := strings.Cut(strings.TrimSpace(kv), ":")
			if !ok {
				return nil, fmt.Errorf("'%s' is not 'partition:N,offset:M'", part)
			}
			switch strings.TrimSpace(k) {
			case "partition":
				p = strings.TrimSpace(v)
			case "offset":
				o = strings.TrimSpace(v)
			default:
				return nil, fmt.Errorf("unknown key '%s' in '%s' (want 'partition:N,offset:M')", k, part)
			}
		}
		pn, err1 := strconv.ParseInt(p, 10, 32)
		on, err2 := strconv.ParseInt(o, 10, 64)
		if err1 != nil || err2 != nil || pn < 0 || on < 0 && !(special && (on == offsetLatest || on == offsetEarliest)) {
			return nil, fmt.Errorf("'%s' is not 'partition:N,offset:M'", part)
		}
		m[int32(pn)] = on
	}
	if len(m) == 0 {
		return nil, fmt.Errorf("no offsets given")
	}
	return m, nil
}

func splitList(s, sep string) []string {
	var out []string
	for _, p := range strings.Split(s, sep) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// parseWindow reads ksqlDB's WINDOW_TYPE / WINDOW_SIZE (as 'window.type'
// and 'window.size'): the topic's keys carry window bounds after the key,
// 8 bytes of start (TUMBLING, HOPPING) or 8 of end and 8 of start
// (SESSION), big-endian epoch millis, as Kafka Streams' windowed serdes
// write them.
func (c *config) parseWindow() error {
	v, ok := c.spec.Option("window.type")
	if !ok {
		for _, col := range c.spec.Columns {
			if col.Metadata == MetaWindowStart || col.Metadata == MetaWindowEnd {
				return optErr(c.spec, "column '%s': window bounds need 'window.type' (WINDOW_TYPE)", col.Name)
			}
		}
		return nil
	}
	if c.rules.Keys != engine.KeysDeclared {
		return optErr(c.spec, "'window.type' is a ksqlDB option")
	}
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "tumbling", "hopping":
		c.window = "time"
	case "session":
		c.window = "session"
	default:
		return optErr(c.spec, "WINDOW_TYPE must be TUMBLING, HOPPING or SESSION, not '%s'", v)
	}
	if v, ok := c.spec.Option("window.size"); ok {
		d, err := parseWindowSize(v)
		if err != nil {
			return optErr(c.spec, "WINDOW_SIZE: %v", err)
		}
		c.windowSize = d.Milliseconds()
	}
	return nil
}

// parseWindowSize reads ksqlDB sizes ("3 SECONDS", "1 HOUR") and Flink
// durations.
func parseWindowSize(s string) (time.Duration, error) {
	f := strings.Fields(strings.ToLower(s))
	if len(f) == 2 {
		n, err := strconv.ParseInt(f[0], 10, 64)
		if err == nil && n > 0 {
			unit := strings.TrimSuffix(f[1], "s")
			for name, d := range map[string]time.Duration{"millisecond": time.Millisecond, "second": time.Second,
				"minute": time.Minute, "hour": time.Hour, "day": 24 * time.Hour} {
				if unit == name {
					return time.Duration(n) * d, nil
				}
			}
		}
	}
	d, err := format.ParseDuration(s)
	if err == nil && d <= 0 {
		err = fmt.Errorf("invalid size '%s'", s)
	}
	return d, err
}

// parseColumns splits the table's columns into key, value and metadata.
func (c *config) parseColumns() error {
	spec := c.spec
	var physical []int
	for i, col := range spec.Columns {
		if col.Metadata != "" {
			if err := checkMeta(spec, col); err != nil {
				return err
			}
			c.meta = append(c.meta, metaCol{pos: i, key: col.Metadata, typ: col.Type, virtual: col.Virtual})
			continue
		}
		physical = append(physical, i)
	}
	_, hasFormat := spec.Option("format")
	_, hasValueFormat := spec.Option("value.format")
	if hasFormat && hasValueFormat {
		return optErr(spec, "set either 'format' or 'value.format', not both")
	}
	if !hasFormat && !hasValueFormat {
		if c.rules.Wording == engine.WordProperties {
			return optErr(spec, "the VALUE_FORMAT property is required")
		}
		return optErr(spec, "option 'format' (or 'value.format') is required")
	}
	keyFormat, hasKeyFormat := format.FormatName(spec, "key.")
	isKey := make(map[int]bool)
	prefix := ""
	if c.rules.Keys == engine.KeysDeclared {
		for _, i := range physical {
			if spec.Columns[i].Key {
				isKey[i] = true
				c.keyCols = append(c.keyCols, format.Column{Name: spec.Columns[i].Name, Type: spec.Columns[i].Type, Pos: i})
			}
		}
		if len(c.keyCols) > 0 && (!hasKeyFormat || keyFormat == format.None) {
			return optErr(spec, "key columns need a KEY_FORMAT other than NONE")
		}
	} else {
		fields := splitList(spec.OptionOr("key.fields", ""), ";")
		prefix = spec.OptionOr("key.fields-prefix", "")
		if c.upsert {
			if hasFormat {
				return optErr(spec, "the 'upsert-kafka' connector needs 'key.format' and 'value.format', not 'format'")
			}
			if !hasKeyFormat {
				return optErr(spec, "the 'upsert-kafka' connector needs 'key.format'")
			}
			fields = spec.PrimaryKey
		}
		switch {
		case hasKeyFormat && len(fields) == 0:
			return optErr(spec, "'key.format' needs one or more key columns in 'key.fields'")
		case !hasKeyFormat && len(fields) > 0:
			return optErr(spec, "'key.fields' needs a 'key.format'")
		}
		for _, f := range fields {
			at := -1
			for _, i := range physical {
				if spec.Columns[i].Name == f {
					at = i
				}
			}
			if at < 0 {
				return optErr(spec, "'key.fields' names '%s', which is not a physical column", f)
			}
			name, ok := strings.CutPrefix(f, prefix)
			if !ok {
				return optErr(spec, "key column '%s' does not start with 'key.fields-prefix' '%s'", f, prefix)
			}
			isKey[at] = true
			c.keyCols = append(c.keyCols, format.Column{Name: name, Type: spec.Columns[at].Type, Pos: at})
		}
	}
	include := strings.ToUpper(spec.OptionOr("value.fields-include", "ALL"))
	switch include {
	case "ALL":
		if prefix != "" {
			return optErr(spec, "'key.fields-prefix' needs 'value.fields-include' = 'EXCEPT_KEY'")
		}
	case "EXCEPT_KEY":
	default:
		return optErr(spec, "'value.fields-include' must be ALL or EXCEPT_KEY, not '%s'", include)
	}
	for _, i := range physical {
		if isKey[i] && (c.rules.Keys == engine.KeysDeclared || include == "EXCEPT_KEY") {
			continue
		}
		c.valCols = append(c.valCols, format.Column{Name: spec.Columns[i].Name, Type: spec.Columns[i].Type, Pos: i})
	}
	if hasKeyFormat {
		if err := format.Validate(spec, c.keyCols, "key."); err != nil {
			return optErr(spec, "key: %v", err)
		}
	}
	if err := format.Validate(spec, c.valCols, "value."); err != nil {
		return optErr(spec, "value: %v", err)
	}
	return nil
}

var metaKinds = map[string][]types.Kind{
	engine.MetaTimestamp: {types.TimestampLTZ, types.Timestamp, types.BigInt},
	engine.MetaPartition: {types.Int, types.BigInt},
	engine.MetaOffset:    {types.BigInt},
	engine.MetaTopic:     {types.String},
	engine.MetaHeaders:   {types.Map},
	metaLeaderEpoch:      {types.Int, types.BigInt},
	metaTimestampType:    {types.String},
	metaKey:              {types.Bytes, types.String},
	MetaWindowStart:      {types.BigInt, types.TimestampLTZ, types.Timestamp},
	MetaWindowEnd:        {types.BigInt, types.TimestampLTZ, types.Timestamp},
}

func checkMeta(spec *engine.TableSpec, col engine.ColumnSpec) error {
	kinds, ok := metaKinds[col.Metadata]
	if !ok {
		keys := make([]string, 0, len(metaKinds))
		for k := range metaKinds {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		return optErr(spec, "column '%s': unknown metadata key '%s' (available: %s)", col.Name, col.Metadata, strings.Join(keys, ", "))
	}
	for _, k := range kinds {
		if col.Type.Kind == k {
			if k == types.Map && (col.Type.Key == nil || col.Type.Key.Kind != types.String || col.Type.Elem == nil ||
				(col.Type.Elem.Kind != types.Bytes && col.Type.Elem.Kind != types.String)) {
				break
			}
			return nil
		}
	}
	return optErr(spec, "column '%s': metadata '%s' cannot be read as %s", col.Name, col.Metadata, col.Type)
}

func (c *config) parseSink() error {
	spec := c.spec
	c.partitioner = strings.ToLower(spec.OptionOr("sink.partitioner", "default"))
	switch c.partitioner {
	case "default", "fixed", "round-robin":
	default:
		return optErr(spec, "'sink.partitioner' '%s' is not supported (supported: default, fixed, round-robin)", c.partitioner)
	}
	c.delivery = strings.ToLower(spec.OptionOr("sink.delivery-guarantee", ""))
	if c.delivery == "" {
		c.delivery = strings.ReplaceAll(strings.ToLower(spec.OptionOr("sink.semantic", "at-least-once")), "_", "-")
	}
	switch c.delivery {
	case "at-least-once", "none":
	case "exactly-once":
		c.txPrefix = spec.OptionOr("sink.transactional-id-prefix", "")
		if c.txPrefix == "" {
			return optErr(spec, "'sink.delivery-guarantee' = 'exactly-once' needs 'sink.transactional-id-prefix'")
		}
	default:
		return optErr(spec, "'sink.delivery-guarantee' must be at-least-once, exactly-once or none, not '%s'", c.delivery)
	}
	if c.upsert {
		if err := c.parseBuffer(); err != nil {
			return err
		}
	}
	c.partitions, c.replicas = -1, -1
	if v, ok := spec.Option("partitions"); ok {
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 32)
		if err != nil || n <= 0 {
			return optErr(spec, "PARTITIONS must be a positive number, not '%s'", v)
		}
		c.partitions = int32(n)
	}
	if v, ok := spec.Option("replicas"); ok {
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 16)
		if err != nil || n <= 0 {
			return optErr(spec, "REPLICAS must be a positive number, not '%s'", v)
		}
		c.replicas = int16(n)
	}
	if v, ok := spec.Option("retention.ms"); ok {
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil || n < -1 {
			return optErr(spec, "RETENTION_MS must be a number of milliseconds, not '%s'", v)
		}
		c.retentionMs = v
	}
	return nil
}

// parseBuffer reads upsert-kafka's 'sink.buffer-flush.max-rows' and
// 'sink.buffer-flush.interval', which enable the buffer together, as in
// Flink.
func (c *config) parseBuffer() error {
	spec := c.spec
	rows, rowsSet := spec.Option("sink.buffer-flush.max-rows")
	iv, ivSet := spec.Option("sink.buffer-flush.interval")
	if rowsSet {
		n, err := strconv.Atoi(strings.TrimSpace(rows))
		if err != nil || n < 0 {
			return optErr(spec, "'sink.buffer-flush.max-rows' must be a number of rows, not '%s'", rows)
		}
		c.bufferRows = n
	}
	if ivSet {
		d, err := format.ParseDuration(iv)
		if err != nil || d < 0 {
			return optErr(spec, "'sink.buffer-flush.interval': not a duration: '%s'", iv)
		}
		c.bufferInterval = d
	}
	if (c.bufferRows > 0) != (c.bufferInterval > 0) {
		return optErr(spec, "'sink.buffer-flush.max-rows' and 'sink.buffer-flush.interval' must be set to be greater than zero together to enable sink buffer flushing")
	}
	return nil
}

// prune drops the value and metadata columns the query does not read
// (TableSpec.Needed): a JSON value decoder then skips those fields without
// decoding them. Positional formats (CSV) keep every column.
func (c *config) prune(needed []bool) {
	if needed == nil {
		return
	}
	want := func(pos int) bool { return pos >= len(needed) || needed[pos] }
	if name, _ := format.FormatName(c.spec, "value."); name == "json" {
		kept := c.valCols[:0:0]
		for _, col := range c.valCols {
			if want(col.Pos) {
				kept = append(kept, col)
			}
		}
		c.valCols = kept
	}
	kept := c.meta[:0:0]
	for _, m := range c.meta {
		if want(m.pos) {
			kept = append(kept, m)
		}
	}
	c.meta = kept
}
