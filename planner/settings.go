package planner

// The session settings Tumble acts on, in one table: each key's default,
// what it does, and how its value is checked. SET checks a value here
// before storing it; a key that is not here is stored but answered with a
// warning (nothing reads it), and SET; lists the table with the values in
// force. The README's table of settings is this table.

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/planner/dialect"
	"github.com/tumble/tumble/sql"
)

// SettingScope says in which dialect a setting is read.
type SettingScope int

const (
	ScopeBoth  SettingScope = iota // read in either dialect
	ScopeFlink                     // Flink SQL only
	ScopeKSQL                      // ksqlDB only
)

// SettingDef describes one key Tumble acts on.
type SettingDef struct {
	Key string
	// Default is the value in force when the key is not set ("" shows as
	// "(none)").
	Default     string
	Description string
	Scope       SettingScope
	// Check validates a value; nil accepts any.
	Check func(v string) error
	// Notice, when set, says something the user should know about a
	// value (SET shows it as a warning); "" says nothing.
	Notice func(v string) string
}

// settingAlias is another name of a key: a deprecated one (SET answers
// with Flink's deprecation warning) or another spelling (ksqlDB's
// "ksql.streams." prefix).
type settingAlias struct {
	canonical  string
	deprecated bool
}

// settingDefs is every key Tumble acts on, sorted by key.
var settingDefs = []SettingDef{
	{Key: "auto.offset.reset", Default: "latest", Scope: ScopeKSQL, Check: oneOf("earliest", "latest", "none"),
		Description: "Where a query starts reading a topic: only records written after it starts (latest, or none), or its first record (earliest). A reader left behind by retention skips to the earliest or latest record, or fails with none."},
	{Key: "execution.checkpointing.interval", Default: "5 s", Check: checkDuration,
		Description: "How often a job checkpoints its state and source positions (and commits exactly-once sinks); 0 disables checkpoints."},
	{Key: "execution.checkpointing.savepoint-dir", Scope: ScopeFlink, Check: checkNonEmpty,
		Description: "Where STOP JOB ... WITH SAVEPOINT writes savepoints; by default DATA/savepoints of --data-dir."},
	{Key: "execution.runtime-mode", Default: "streaming", Scope: ScopeFlink, Check: oneOf("streaming", "batch"),
		Description: "batch: Kafka sources stop at the end offsets they see when the query starts, and the client prints final results."},
	{Key: "execution.savepoint.ignore-unclaimed-state", Default: "false", Scope: ScopeFlink, Check: checkBool,
		Description: "Restore from a savepoint even when some of its state belongs to no operator of the new job (that state is dropped); otherwise that is an error."},
	{Key: "execution.savepoint.path", Scope: ScopeFlink, Check: checkNonEmpty,
		Description: "A savepoint (STOP JOB ... WITH SAVEPOINT) that every following INSERT starts from, until RESET, as in Flink; a missing or unusable savepoint fails the INSERT. A job with checkpoints of its own resumes from them instead."},
	{Key: "ksql.persistence.default.format.key", Default: "KAFKA", Scope: ScopeKSQL, Check: checkNonEmpty,
		Description: "The key format of a stream or table created without KEY_FORMAT or FORMAT, and of a query's result with key columns over a source without (key format NONE)."},
	{Key: "ksql.persistence.default.format.value", Scope: ScopeKSQL, Check: checkNonEmpty,
		Description: "The value format of a stream or table created without VALUE_FORMAT or FORMAT."},
	{Key: "ksql.persistence.wrap.single.values", Scope: ScopeKSQL, Check: checkBool,
		Description: "Whether a stream or table with one value column and no WRAP_SINGLE_VALUE wraps that value in a record or object (true) or writes it bare (false); unset, each format's default."},
	{Key: "pipeline.auto-watermark-interval", Default: "200 ms", Check: checkDuration,
		Description: "How often watermarks are emitted; 0 emits one after every record."},
	{Key: "pipeline.max-parallelism", Default: "128", Check: checkMaxParallelism,
		Description: "The number of key groups keyed state is split into (Flink's maximum parallelism, 1 to 32768): the unit a later scale-out moves between processes. A job's checkpoints keep their key groups' layout."},
	{Key: "pipeline.name", Scope: ScopeFlink,
		Description: "The name of the next job submitted (SHOW JOBS); by default it is named after its sink."},
	{Key: "processing.guarantee", Default: "at_least_once", Scope: ScopeKSQL, Check: oneOf("at_least_once", "exactly_once", "exactly_once_v2", "exactly_once_beta"),
		Description: "exactly_once_v2 writes a query's output in Kafka transactions committed with its checkpoints."},
	{Key: "restart-strategy.fixed-delay.attempts", Default: "2147483647", Check: checkNonNegativeInt,
		Description: "How many times a failed job restarts from its last checkpoint before it stays FAILED."},
	{Key: "restart-strategy.fixed-delay.delay", Default: "1 s", Check: checkDuration,
		Description: "The wait before each restart of a failed job."},
	{Key: "restart-strategy.type", Default: "fixed-delay", Check: oneOf("fixed-delay", "fixeddelay", "exponential-delay", "none", "off", "disable", "no-restart"),
		Description: "none: a failed job stays FAILED; fixed-delay: it restarts from its last checkpoint."},
	{Key: "sql-client.execution.max-table-result.rows", Default: "1000000", Scope: ScopeFlink, Check: checkPositiveInt,
		Description: "The most rows the table result mode keeps; past it the oldest rows are dropped."},
	{Key: "sql-client.execution.result-mode", Default: "tableau", Scope: ScopeFlink, Check: oneOf("table", "changelog", "tableau"),
		Description: "How the client shows a SELECT: tableau (a box, a line per change with its op), changelog (a line per change with its op, no box) or table (the materialized result: on a terminal a screen updated in place, otherwise the final table)."},
	{Key: "state.backend.rocksdb.block.cache-size", Default: "8 mb", Check: checkMemorySize,
		Description: "With the disk state backend, the LSM's block cache (bytes, or with kb, mb, gb)."},
	{Key: "state.backend.rocksdb.localdir", Check: checkNonEmpty,
		Description: "With the disk state backend, the local working directory of a job's LSM (emptied when the job starts); by default beside the job's checkpoints, or a temporary directory."},
	{Key: "state.backend.rocksdb.writebuffer.count", Default: "2", Check: checkPositiveInt,
		Description: "With the disk state backend, how many write buffers (memtables) the LSM keeps before writes wait for a flush."},
	{Key: "state.backend.rocksdb.writebuffer.size", Default: "64 mb", Check: checkMemorySize,
		Description: "With the disk state backend, the size of one write buffer (memtable) of the LSM."},
	{Key: "state.backend.type", Default: "hashmap", Check: oneOf("hashmap", "rocksdb"), Notice: stateBackendNotice,
		Description: "Where keyed state (group aggregates, deduplication, Top-N, regular joins) lives: hashmap on the heap, or rocksdb, Tumble's disk backend (an embedded LSM, Pebble) whose memory stays bounded and whose checkpoints are incremental."},
	{Key: "table.display.max-column-width", Default: "30", Scope: ScopeFlink, Check: checkPositiveInt,
		Description: "The widest a text column of a query result is shown; longer values end in '...'."},
	{Key: "table.dml-sync", Default: "false", Scope: ScopeFlink, Check: checkBool,
		Description: "INSERT waits until its job has finished (bounded inputs) before the next statement runs."},
	{Key: "table.exec.emit.allow-lateness", Default: "0 ms", Scope: ScopeFlink, Check: checkDuration,
		Description: "How long after its end a GROUP BY TUMBLE/HOP/SESSION window keeps its state for late rows (with late firing)."},
	{Key: "table.exec.emit.early-fire.delay", Scope: ScopeFlink, Check: checkDuration,
		Description: "With early firing, how often (processing time) an open group window emits its current result."},
	{Key: "table.exec.emit.early-fire.enabled", Default: "false", Scope: ScopeFlink, Check: checkBool,
		Description: "GROUP BY TUMBLE/HOP windows emit their current result (-U/+U) before they end, every early-fire delay."},
	{Key: "table.exec.emit.late-fire.delay", Scope: ScopeFlink, Check: checkDuration,
		Description: "With late firing, how often (processing time) a fired window emits the updates of late rows; 0 updates at once."},
	{Key: "table.exec.emit.late-fire.enabled", Default: "false", Scope: ScopeFlink, Check: checkBool,
		Description: "Late rows within the allowed lateness update a fired GROUP BY TUMBLE/HOP window (-U/+U)."},
	{Key: "table.exec.sink.not-null-enforcer", Default: "ERROR", Scope: ScopeFlink, Check: oneOf("ERROR", "DROP"),
		Description: "What a sink does with a NULL in a NOT NULL (or primary key) column: ERROR fails the job, DROP drops the row."},
	{Key: "table.exec.source.idle-timeout", Default: "0 ms", Scope: ScopeFlink, Check: checkDuration,
		Description: "A source partition without records this long stops holding the watermark back; 0 never."},
	{Key: "table.exec.state.ttl", Default: "0 ms", Scope: ScopeFlink, Check: checkDuration,
		Description: "Idle state of regular joins, group aggregates, Top-N and deduplication expires after this long; 0 keeps it for ever."},
	{Key: "table.local-time-zone", Default: "default", Scope: ScopeFlink, Check: checkTimeZone,
		Description: "The session time zone: TIMESTAMP_LTZ is shown and converted in it."},
	{Key: "table.optimizer.reuse-source-enabled", Default: "true", Scope: ScopeFlink, Check: checkBool,
		Description: "A table read twice with the same options and watermark (a self-join, two views over one table) is read once, its rows going to both readers; false reads it once per use (only with table.optimizer.reuse-sub-plan-enabled)."},
	{Key: "table.optimizer.reuse-sub-plan-enabled", Default: "true", Scope: ScopeFlink, Check: checkBool,
		Description: "Identical parts of a query's plan (the same operators over the same input, without nondeterministic functions) are computed once and their output shared; EXPLAIN marks them reuse_id / Reused. false computes each part where it occurs."},
}

// settingAliases are other names of the keys above.
var settingAliases = map[string]settingAlias{
	"execution.result-mode":                           {canonical: "sql-client.execution.result-mode", deprecated: true},
	"restart-strategy":                                {canonical: "restart-strategy.type", deprecated: true},
	"sql-client.display.max-column-width":             {canonical: "table.display.max-column-width", deprecated: true},
	"state.savepoints.dir":                            {canonical: "execution.checkpointing.savepoint-dir", deprecated: true},
	"state.backend":                                   {canonical: "state.backend.type", deprecated: true},
	"execution.state-recovery.path":                   {canonical: "execution.savepoint.path"},
	"execution.state-recovery.ignore-unclaimed-state": {canonical: "execution.savepoint.ignore-unclaimed-state"},
	"ksql.streams.auto.offset.reset":                  {canonical: "auto.offset.reset"},
	"ksql.streams.processing.guarantee":               {canonical: "processing.guarantee"},
}

// CanonicalSetting returns the key an alias stands for (key itself when
// it is no alias).
func CanonicalSetting(key string) string {
	if a, ok := settingAliases[key]; ok {
		return a.canonical
	}
	return key
}

// LookupSetting returns the definition of a key (or of the key an alias
// stands for) read in dialect d.
func LookupSetting(d sql.Dialect, key string) (SettingDef, bool) {
	key = CanonicalSetting(key)
	i := sort.Search(len(settingDefs), func(i int) bool { return settingDefs[i].Key >= key })
	if i == len(settingDefs) || settingDefs[i].Key != key || !settingDefs[i].Scope.includes(d) {
		return SettingDef{}, false
	}
	return settingDefs[i], true
}

// dialectSetting is Setting for the keys the planner's dialect reads
// (the settings table): a key of another dialect, kept by SET with a
// warning, is not read.
func (pl *Planner) dialectSetting(key string) (string, bool) {
	if _, ok := LookupSetting(pl.Syntax, key); !ok {
		return "", false
	}
	return pl.Setting(key)
}

// SettingDefs returns the keys read in dialect d, sorted.
func SettingDefs(d sql.Dialect) []SettingDef {
	var out []SettingDef
	for _, def := range settingDefs {
		if def.Scope.includes(d) {
			out = append(out, def)
		}
	}
	return out
}

// includes reports whether the dialect parsing with syntax d reads keys
// of this scope (its rules name the settings it reads).
func (sc SettingScope) includes(d sql.Dialect) bool {
	switch sc {
	case ScopeFlink:
		return DialectOf(d).Rules().Settings == dialect.FlinkSettings
	case ScopeKSQL:
		return DialectOf(d).Rules().Settings == dialect.KSQLSettings
	}
	return true
}

// CheckSetting checks SET key = value in dialect d. It returns the key to
// store the value under (an alias's key), warnings for the user (a
// deprecated key; a key Tumble does not read) and an error for a value
// the key does not accept.
func CheckSetting(d sql.Dialect, key, value string) (canonical string, warnings []string, err error) {
	canonical = key
	if a, ok := settingAliases[key]; ok {
		canonical = a.canonical
		if a.deprecated {
			warnings = append(warnings, fmt.Sprintf("The specified key '%s' is deprecated. Please use '%s' instead.", key, a.canonical))
		}
	}
	def, ok := LookupSetting(d, canonical)
	if !ok {
		return key, []string{fmt.Sprintf("The specified key '%s' is not used by Tumble: setting it has no effect (SET; lists the keys Tumble reads).", key)}, nil
	}
	if def.Check != nil {
		if err := def.Check(value); err != nil {
			return "", nil, fmt.Errorf("Invalid value for '%s': %w", key, err)
		}
	}
	if def.Notice != nil {
		if n := def.Notice(value); n != "" {
			warnings = append(warnings, n)
		}
	}
	return canonical, warnings, nil
}

// SettingsTable is SET; : every key read in dialect d with the value in
// force and its default, then the keys the session set that Tumble does
// not read.
func SettingsTable(d sql.Dialect, set map[string]string) *Result {
	r := &Result{Kind: ResultTable, Columns: []string{"key", "value", "default"}}
	known := map[string]bool{}
	for _, def := range SettingDefs(d) {
		known[def.Key] = true
		v, ok := set[def.Key]
		if !ok {
			v = def.Default
		}
		r.Rows = append(r.Rows, []string{def.Key, noneIfEmpty(v), noneIfEmpty(def.Default)})
	}
	for _, k := range SortedKeys(set) {
		if !known[k] {
			r.Rows = append(r.Rows, []string{k, set[k], "(not used by Tumble)"})
		}
	}
	return r
}

// effectiveSettings are the values in force in dialect d: the keys set,
// and the defaults of the others that have one.
func EffectiveSettings(d sql.Dialect, set map[string]string) map[string]string {
	out := map[string]string{}
	for _, def := range SettingDefs(d) {
		if def.Default != "" {
			out[def.Key] = def.Default
		}
	}
	for k, v := range set {
		out[k] = v
	}
	return out
}

func noneIfEmpty(v string) string {
	if v == "" {
		return "(none)"
	}
	return v
}

// SettingsMarkdown renders the settings as the README's table.
func SettingsMarkdown() string {
	var b strings.Builder
	b.WriteString("| key | default | dialect | what it does |\n|---|---|---|---|\n")
	for _, def := range settingDefs {
		scope := "both"
		switch def.Scope {
		case ScopeFlink:
			scope = "Flink"
		case ScopeKSQL:
			scope = "ksqlDB"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", def.Key, markdownValue(def.Default), scope, def.Description)
	}
	return b.String()
}

func markdownValue(v string) string {
	if v == "" {
		return "(none)"
	}
	return "`" + v + "`"
}

// The value checks.

func checkDuration(v string) error {
	d, err := parseDuration(v)
	if err != nil {
		return err
	}
	if d < 0 {
		return fmt.Errorf("a duration cannot be negative")
	}
	return nil
}

func checkBool(v string) error {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true", "false":
		return nil
	}
	return fmt.Errorf("'%s' is not a boolean (true or false)", v)
}

func checkPositiveInt(v string) error {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n <= 0 {
		return fmt.Errorf("'%s' is not a positive integer", v)
	}
	return nil
}

func checkNonNegativeInt(v string) error {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 0 {
		return fmt.Errorf("'%s' is not a non-negative integer", v)
	}
	return nil
}

func checkMaxParallelism(v string) error {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 1 || n > engine.MaxMaxParallelism {
		return fmt.Errorf("'%s' is not between 1 and %d", v, engine.MaxMaxParallelism)
	}
	return nil
}

func checkMemorySize(v string) error {
	_, err := parseMemorySize(v)
	return err
}

// parseMemorySize reads a size as Flink's MemorySize does: a number of
// bytes, or with a unit (b, k/kb, m/mb, g/gb, t/tb, in any case, with or
// without a space).
func parseMemorySize(v string) (int64, error) {
	s := strings.ToLower(strings.TrimSpace(v))
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	n, err := strconv.ParseInt(s[:i], 10, 64)
	if err != nil || i == 0 {
		return 0, fmt.Errorf("'%s' is not a memory size (a number of bytes, or with a unit: 64 mb)", v)
	}
	mult := map[string]int64{"": 1, "b": 1, "bytes": 1, "k": 1 << 10, "kb": 1 << 10, "kibibytes": 1 << 10,
		"m": 1 << 20, "mb": 1 << 20, "mebibytes": 1 << 20, "g": 1 << 30, "gb": 1 << 30, "gibibytes": 1 << 30,
		"t": 1 << 40, "tb": 1 << 40, "tebibytes": 1 << 40}[strings.TrimSpace(s[i:])]
	if mult == 0 {
		return 0, fmt.Errorf("'%s' is not a memory size (units: b, kb, mb, gb, tb)", v)
	}
	return n * mult, nil
}

// stateBackendNotice says what 'rocksdb' is in Tumble.
func stateBackendNotice(v string) string {
	if strings.EqualFold(strings.TrimSpace(v), "rocksdb") {
		return "Tumble's 'rocksdb' state backend is Pebble, an embedded LSM written in Go after RocksDB's design: keyed state on local disk, memory bounded by 'state.backend.rocksdb.block.cache-size' and the write buffers, incremental checkpoints. RocksDB's own options other than those are not read."
	}
	return ""
}

func checkNonEmpty(v string) error {
	if strings.TrimSpace(v) == "" {
		return fmt.Errorf("the value cannot be empty")
	}
	return nil
}

func checkTimeZone(v string) error {
	if v == "default" {
		return nil
	}
	if _, err := time.LoadLocation(v); err != nil {
		return fmt.Errorf("invalid time zone '%s': %v", v, err)
	}
	return nil
}

// oneOf accepts the given values, in any case.
func oneOf(values ...string) func(string) error {
	return func(v string) error {
		for _, x := range values {
			if strings.EqualFold(strings.TrimSpace(v), x) {
				return nil
			}
		}
		return fmt.Errorf("'%s' is not one of %s", v, strings.Join(values, ", "))
	}
}
