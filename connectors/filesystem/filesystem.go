// Package filesystem owns Flink's 'filesystem' connector: a table is a
// directory of files in a row format (json, csv, raw; one record per line),
// optionally partitioned into k=v subdirectories as Hive lays them out.
//
// The source reads every visible file under 'path' (recursively; names
// starting with '.' or '_' are hidden), in path order, one split per file
// whose position is the byte offset of the next record, so a restored job
// resumes each file where its checkpoint left it. A file read to its end
// no longer holds the watermark back (as Flink releases a finished split),
// except in batch mode, where the watermark waits for every file. With
// 'source.monitor-interval' it keeps watching the directory for new files;
// without, it ends (a bounded source).
//
// The sink writes part files, one open file per partition directory, under
// hidden in-progress names ('.part-<uuid>-0-<n>.inprogress.<job>') and
// renames them to 'part-<uuid>-0-<n>' when the data is committed: with the
// checkpoint that covers it (the engine.Transactional interface; a marker
// under '_tumble_checkpoints' records the last committed checkpoint and the
// renames it implies, so recovery finishes a commit a crash interrupted and
// restores exactly the checkpoint whose files are visible), or on every
// Flush when the job takes no checkpoints. Only inserts are accepted.
//
// Partition columns are not stored in the files: the sink writes them into
// the directory names (NULL and the empty string as 'partition.default-name', default
// '__DEFAULT_PARTITION__'; special characters escaped as %XX, as Hive
// does) and the source reads them back from there.
//
// Bad records: skipped, counted in SplitBatch.Skipped and logged with
// 'json.ignore-parse-errors' / 'csv.ignore-parse-errors'; otherwise the job
// fails with an error naming the file and line.
package filesystem

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/tumble/tumble/connectors/format"
	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/types"
)

// Name is the connector name.
const Name = "filesystem"

// DefaultPartitionName stands for a NULL or empty partition value in a
// directory name (Flink's 'partition.default-name').
const DefaultPartitionName = "__DEFAULT_PARTITION__"

// Register adds the 'filesystem' connector (source and sink) to r.
func Register(r *engine.Registry) {
	r.Register(&engine.Connector{
		Name:       Name,
		Source:     func(spec *engine.TableSpec) (engine.Source, error) { return NewSource(spec) },
		Sink:       func(spec *engine.TableSpec) (engine.Sink, error) { return NewSink(spec) },
		Options:    options,
		Validate:   Validate,
		Unused:     unused,
		Partitions: true,
	})
}

// unused warns about the options Tumble accepts, as Flink does, but does
// not act on: format options, statistics, the options of features it
// refuses (compaction, custom commit policies), and those of the
// partition-time commit trigger when partitions are committed by
// processing time.
func unused(spec *engine.TableSpec) []string {
	out := format.Unused(spec)
	out = append(out, engine.NoEffect(spec, "Tumble reports no statistics to the planner", "source.report-statistics")...)
	out = append(out, engine.NoEffect(spec, "Tumble runs each job as one task, so rows are not shuffled", "sink.shuffle-by-partition.enable")...)
	out = append(out, engine.NoEffect(spec, "Tumble does not compact files ('auto-compaction' is refused)", "compaction.file-size")...)
	out = append(out, engine.NoEffect(spec, "Tumble has no custom commit policies (the 'custom' policy kind is refused)",
		"sink.partition-commit.policy.class", "sink.partition-commit.policy.class.parameters")...)
	if t, _ := spec.Option("sink.partition-commit.trigger"); !strings.EqualFold(strings.TrimSpace(t), "partition-time") {
		out = append(out, engine.NoEffect(spec, "partitions are committed by processing time ('sink.partition-commit.trigger' is not 'partition-time')",
			"sink.partition-commit.watermark-time-zone")...)
		for _, k := range sortedOptionKeys(spec) {
			if strings.HasPrefix(k, "partition.time-extractor.") {
				out = append(out, engine.NoEffect(spec, "partitions are committed by processing time, so no time is extracted from them", k)...)
			}
		}
	}
	return out
}

func sortedOptionKeys(spec *engine.TableSpec) []string {
	keys := make([]string, 0, len(spec.Options))
	for k := range spec.Options {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

var options = []string{"connector", "path", "format", "json.*", "csv.*", "raw.*",
	"partition.default-name",
	"source.monitor-interval", "source.path.regex-pattern", "source.report-statistics",
	"sink.rolling-policy.file-size", "sink.rolling-policy.rollover-interval",
	"sink.rolling-policy.check-interval", "sink.rolling-policy.inactivity-interval",
	"sink.parallelism", "sink.shuffle-by-partition.enable", "auto-compaction", "compaction.file-size",
	"sink.partition-commit.trigger", "sink.partition-commit.delay",
	"sink.partition-commit.watermark-time-zone", "sink.partition-commit.policy.kind",
	"sink.partition-commit.policy.class", "sink.partition-commit.policy.class.parameters",
	"sink.partition-commit.success-file.name", "partition.time-extractor.*",
	"lookup.cache", "lookup.partial-cache.*", "lookup.max-retries", "lookup.join.cache.ttl"}

// ErrOption is wrapped by errors about a filesystem table's options.
var ErrOption = errors.New("invalid filesystem table option")

// Metadata keys a filesystem table can read (all read-only).
const (
	MetaFilePath  = "file.path"
	MetaFileName  = "file.name"
	MetaFileSize  = "file.size"
	MetaFileMTime = "file.modification-time"
)

// Validate checks a filesystem table's options, partition keys, metadata
// columns and format without touching the directory.
func Validate(spec *engine.TableSpec) error {
	cfg, err := parseConfig(spec)
	if err != nil {
		return err
	}
	if _, err := format.NewDecoder(spec, cfg.dataCols, ""); err != nil {
		return cfg.errf("%v", err)
	}
	if _, err := format.NewEncoder(spec, cfg.dataCols, ""); err != nil {
		return cfg.errf("%v", err)
	}
	return nil
}

// config is a filesystem table's parsed options, shared by source and sink.
type config struct {
	spec     *engine.TableSpec
	name     string
	root     string // the directory (or file) of 'path'
	format   string
	skipBad  bool
	defName  string // partition.default-name
	dataCols []format.Column
	parts    []partCol
	meta     []metaCol
	loc      *time.Location

	monitor time.Duration // source.monitor-interval; 0: bounded
	batch   bool          // execution.runtime-mode = batch
	pattern *regexp.Regexp

	fileSize    int64 // sink.rolling-policy.file-size
	rollover    time.Duration
	checkEvery  time.Duration
	inactivity  time.Duration
	successFile string        // "" unless the commit policy writes one
	commitDelay time.Duration // sink.partition-commit.delay
	// byPartitionTime: 'sink.partition-commit.trigger' = 'partition-time'
	// (a partition is committed once the watermark passes its time plus
	// the delay) rather than 'process-time'.
	byPartitionTime bool
	timePattern     string              // partition.time-extractor.timestamp-pattern ("": the first partition value)
	timeLayouts     []*types.JavaLayout // partition.time-extractor.timestamp-formatter (or the default ones)
	wmZone          *time.Location      // sink.partition-commit.watermark-time-zone
	checkpoints     bool                // the job takes checkpoints (default)
}

// partCol is a partition column: its position in the row and type.
type partCol struct {
	name string
	pos  int
	typ  types.Type
}

// metaCol is a metadata column the source fills.
type metaCol struct {
	key     string
	pos     int
	typ     types.Type
	virtual bool
}

func (c *config) errf(format string, args ...any) error {
	return fmt.Errorf("%w: table '%s': %s", ErrOption, c.spec.Name, fmt.Sprintf(format, args...))
}

func parseConfig(spec *engine.TableSpec) (*config, error) {
	c := &config{spec: spec, name: spec.Name, defName: DefaultPartitionName, checkpoints: true,
		fileSize: 128 << 20, rollover: 30 * time.Minute, checkEvery: time.Minute, inactivity: 30 * time.Minute}
	p, ok := spec.Option("path")
	if !ok || strings.TrimSpace(p) == "" {
		return nil, c.errf("missing required option 'path'")
	}
	root, err := localPath(p)
	if err != nil {
		return nil, c.errf("%v", err)
	}
	c.root = root
	name, ok := format.FormatName(spec, "")
	if !ok {
		return nil, c.errf("missing required option 'format'")
	}
	switch name {
	case format.JSON, format.CSV, format.Raw:
	default:
		return nil, c.errf("%v format '%s' (supported: json, csv, raw)", format.ErrUnsupported, name)
	}
	c.format = name
	c.skipBad = format.SkipsBadRecords(spec, "")
	if c.loc, err = format.Location(spec.Defaults["local-time-zone"]); err != nil {
		return nil, c.errf("%v", err)
	}
	if v, ok := spec.Option("partition.default-name"); ok {
		if v == "" {
			return nil, c.errf("'partition.default-name' must not be empty")
		}
		c.defName = v
	}
	if err := c.columns(); err != nil {
		return nil, err
	}
	if err := c.sourceOptions(); err != nil {
		return nil, err
	}
	if err := c.sinkOptions(); err != nil {
		return nil, err
	}
	return c, nil
}

// localPath turns 'path' into a local path: a plain path or a file: URI.
func localPath(p string) (string, error) {
	p = strings.TrimSpace(p)
	if rest, ok := strings.CutPrefix(p, "file://"); ok {
		p = rest
	} else if rest, ok := strings.CutPrefix(p, "file:"); ok {
		p = rest
	} else if i := strings.Index(p, "://"); i > 0 {
		return "", fmt.Errorf("%w file system '%s' in 'path' (only local paths and file:// URIs)", format.ErrUnsupported, p[:i])
	}
	if p == "" {
		return "", fmt.Errorf("'path' names no directory")
	}
	return filepath.Clean(p), nil
}

// columns splits the table's columns into partition, metadata and data
// columns (the ones the format reads and writes).
func (c *config) columns() error {
	byName := map[string]int{}
	for i, col := range c.spec.Columns {
		byName[col.Name] = i
	}
	isPart := map[int]bool{}
	for _, k := range c.spec.PartitionKeys {
		i, ok := byName[k]
		if !ok {
			names := make([]string, len(c.spec.Columns))
			for j, col := range c.spec.Columns {
				names[j] = col.Name
			}
			return c.errf("partition column '%s' is not a physical column of the table (columns: %s)", k, strings.Join(names, ", "))
		}
		col := c.spec.Columns[i]
		if col.Metadata != "" {
			return c.errf("partition column '%s' must be a physical column, not metadata", k)
		}
		if isPart[i] {
			return c.errf("partition column '%s' is listed twice", k)
		}
		switch col.Type.Kind {
		case types.Array, types.Map, types.Struct, types.Bytes:
			return c.errf("%v type %s for partition column '%s'", format.ErrUnsupported, col.Type, k)
		}
		isPart[i] = true
		c.parts = append(c.parts, partCol{name: k, pos: i, typ: col.Type})
	}
	for i, col := range c.spec.Columns {
		switch {
		case col.Metadata != "":
			switch col.Metadata {
			case MetaFilePath, MetaFileName:
				if col.Type.Kind != types.String {
					return c.errf("metadata '%s' of column '%s' is a STRING, not %s", col.Metadata, col.Name, col.Type)
				}
			case MetaFileSize:
				if !col.Type.Kind.IsNumeric() || col.Type.Kind == types.Float || col.Type.Kind == types.Double || col.Type.Kind == types.Decimal {
					return c.errf("metadata '%s' of column '%s' is a BIGINT, not %s", col.Metadata, col.Name, col.Type)
				}
			case MetaFileMTime:
				if col.Type.Kind != types.TimestampLTZ && col.Type.Kind != types.Timestamp {
					return c.errf("metadata '%s' of column '%s' is a TIMESTAMP_LTZ(3), not %s", col.Metadata, col.Name, col.Type)
				}
			default:
				return c.errf("unknown metadata key '%s' of column '%s' (the filesystem connector supports: '%s', '%s', '%s', '%s')",
					col.Metadata, col.Name, MetaFilePath, MetaFileName, MetaFileSize, MetaFileMTime)
			}
			c.meta = append(c.meta, metaCol{key: col.Metadata, pos: i, typ: col.Type, virtual: col.Virtual})
		case !isPart[i]:
			c.dataCols = append(c.dataCols, format.Column{Name: col.Name, Type: col.Type, Pos: i})
		}
	}
	return nil
}

func (c *config) sourceOptions() error {
	if v, ok := c.spec.Option("source.monitor-interval"); ok {
		d, err := format.ParseDuration(v)
		if err != nil {
			return c.errf("'source.monitor-interval': %v", err)
		}
		c.monitor = d
	}
	c.batch = strings.EqualFold(strings.TrimSpace(c.spec.Defaults["execution.runtime-mode"]), "batch")
	if v, ok := c.spec.Option("source.path.regex-pattern"); ok {
		re, err := regexp.Compile(`^(?:` + v + `)$`)
		if err != nil {
			return c.errf("'source.path.regex-pattern': %v", err)
		}
		c.pattern = re
	}
	if v, ok := c.spec.Option("source.report-statistics"); ok {
		switch strings.ToUpper(strings.TrimSpace(v)) {
		case "NONE", "ALL":
		default:
			return c.errf("'source.report-statistics' must be NONE or ALL, not '%s'", v)
		}
	}
	return nil
}

func (c *config) sinkOptions() error {
	var err error
	if v, ok := c.spec.Option("sink.rolling-policy.file-size"); ok {
		if c.fileSize, err = ParseMemorySize(v); err != nil || c.fileSize <= 0 {
			return c.errf("'sink.rolling-policy.file-size' must be a positive size such as '128MB', not '%s'", v)
		}
	}
	for key, dst := range map[string]*time.Duration{
		"sink.rolling-policy.rollover-interval":   &c.rollover,
		"sink.rolling-policy.check-interval":      &c.checkEvery,
		"sink.rolling-policy.inactivity-interval": &c.inactivity,
		"sink.partition-commit.delay":             &c.commitDelay,
	} {
		if v, ok := c.spec.Option(key); ok {
			if *dst, err = format.ParseDuration(v); err != nil {
				return c.errf("'%s': %v", key, err)
			}
		}
	}
	if v, ok := c.spec.Option("sink.parallelism"); ok {
		if n, err := strconv.Atoi(strings.TrimSpace(v)); err != nil || n <= 0 {
			return c.errf("'sink.parallelism' must be a positive number, not '%s'", v)
		}
	}
	for _, key := range []string{"sink.shuffle-by-partition.enable", "auto-compaction"} {
		if v, ok := c.spec.Option(key); ok {
			b, err := strconv.ParseBool(strings.TrimSpace(v))
			if err != nil {
				return c.errf("'%s' must be true or false, not '%s'", key, v)
			}
			if b && key == "auto-compaction" {
				return c.errf("%v: 'auto-compaction' (Tumble writes one file per partition and checkpoint)", format.ErrUnsupported)
			}
		}
	}
	if v, ok := c.spec.Option("sink.partition-commit.trigger"); ok {
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "process-time":
		case "partition-time":
			c.byPartitionTime = true
		default:
			return c.errf("'sink.partition-commit.trigger' must be 'process-time' or 'partition-time', not '%s'", v)
		}
	}
	if err := c.timeExtractor(); err != nil {
		return err
	}
	if v, ok := c.spec.Option("sink.partition-commit.policy.kind"); ok {
		for _, kind := range strings.Split(v, ",") {
			switch strings.ToLower(strings.TrimSpace(kind)) {
			case "success-file":
				c.successFile = c.spec.OptionOr("sink.partition-commit.success-file.name", "_SUCCESS")
			case "metastore": // no metastore to update: partitions are found from directories
			default:
				return c.errf("%v: 'sink.partition-commit.policy.kind' '%s' (metastore, success-file)", format.ErrUnsupported, strings.TrimSpace(kind))
			}
		}
	}
	if v, ok := c.spec.Defaults["execution.checkpointing.interval"]; ok {
		if d, err := format.ParseDuration(v); err == nil && d == 0 {
			c.checkpoints = false
		}
	}
	return nil
}

// timeExtractor reads the options of Flink's default partition time
// extractor and the watermark's time zone.
func (c *config) timeExtractor() error {
	for k := range c.spec.Options {
		rest, ok := strings.CutPrefix(k, "partition.time-extractor.")
		if !ok {
			continue
		}
		switch rest {
		case "kind":
			if v := strings.TrimSpace(c.spec.Options[k]); !strings.EqualFold(v, "default") {
				return c.errf("%v: 'partition.time-extractor.kind' = '%s' (only 'default': Tumble runs no Java extractor class)", format.ErrUnsupported, v)
			}
		case "timestamp-pattern", "timestamp-formatter":
		case "class":
			return c.errf("%v: 'partition.time-extractor.class' (Tumble runs no Java extractor class)", format.ErrUnsupported)
		default:
			return c.errf("unknown option '%s'", k)
		}
	}
	c.timePattern = c.spec.OptionOr("partition.time-extractor.timestamp-pattern", "")
	formatters := []string{"yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd"}
	if v, ok := c.spec.Option("partition.time-extractor.timestamp-formatter"); ok {
		formatters = []string{v}
	}
	for _, f := range formatters {
		l, err := types.CompileJavaLayout(f)
		if err != nil {
			return c.errf("'partition.time-extractor.timestamp-formatter': %v", err)
		}
		c.timeLayouts = append(c.timeLayouts, l)
	}
	c.wmZone = time.UTC
	if v, ok := c.spec.Option("sink.partition-commit.watermark-time-zone"); ok {
		loc, err := types.LoadJavaZone(v)
		if err != nil {
			return c.errf("'sink.partition-commit.watermark-time-zone': %v", err)
		}
		c.wmZone = loc
	}
	return nil
}

// ParseMemorySize reads a Flink MemorySize: a number of bytes with an
// optional unit (b, kb, mb, gb, tb, or k, m, g, t; 1024-based).
func ParseMemorySize(s string) (int64, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	n, err := strconv.ParseInt(s[:i], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("invalid memory size '%s'", s)
	}
	shift := 0
	switch strings.TrimSpace(s[i:]) {
	case "", "b", "bytes":
	case "k", "kb", "kibibytes":
		shift = 10
	case "m", "mb", "mebibytes":
		shift = 20
	case "g", "gb", "gibibytes":
		shift = 30
	case "t", "tb", "tebibytes":
		shift = 40
	default:
		return 0, fmt.Errorf("invalid memory size '%s'", s)
	}
	if n > (1<<62)>>shift {
		return 0, fmt.Errorf("memory size '%s' is too large", s)
	}
	return n << shift, nil
}

// hidden reports whether a file or directory name is invisible to readers.
func hidden(name string) bool { return strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") }

// exists reports whether p exists.
func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
