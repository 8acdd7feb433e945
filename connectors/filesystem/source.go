package filesystem

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tumble/tumble/connectors/format"
	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/types"
)

// Source reads a filesystem table: every visible file under 'path', in
// path order, one split per file. A split's id is derived from the file's
// path relative to 'path' (so it is the same after a restart) and its
// position is the byte offset of the next record. Restored files resume
// at their offset; files read to the end are reported done
// (SplitBatch.Done) and not read again; files that appeared since are read
// from the start.
//
// Poll is called from one goroutine; Splits and EndOffsets may be called
// from others.
type Source struct {
	cfg *config
	log *slog.Logger
	dec format.Decoder
	rs  recordSplitter

	mu        sync.Mutex
	ids       map[string]int32 // relative path -> split id
	paths     map[int32]string // split id -> relative path
	announced map[int32]bool   // splits Splits reports

	// owned by Poll
	files    []*srcFile // files still to read, in order; files[next] is current
	next     int
	cur      *fileReader
	known    map[string]bool // relative paths listed so far
	pending  []engine.SplitBatch
	lastScan time.Time
	opened   bool
	closed   bool

	ncols   int
	arena   []types.Value
	recs    []engine.Rec
	batches []engine.SplitBatch

	lookup *lookupState // set by OpenLookup
}

var (
	_ engine.Source        = (*Source)(nil)
	_ engine.BoundedSource = (*Source)(nil)
	_ engine.EndOffsetter  = (*Source)(nil)
)

// ErrNotOpen is returned by Poll on a source that is not open.
var ErrNotOpen = errors.New("filesystem source is not open")

const (
	maxPollRecords = 4096
	readBuffer     = 256 << 10
	idleWait       = 200 * time.Millisecond // Poll returns this often while monitoring finds nothing
)

// srcFile is one file to read.
type srcFile struct {
	entry
	id   int32
	pos  int64 // next byte to read
	line int64 // 1-based line of the record at pos; 0 when unknown (resumed mid-file)
}

// entry is a file found under the root.
type entry struct {
	path  string // as opened
	rel   string // relative to the root, slash-separated
	size  int64
	mtime time.Time
	parts []types.Value // partition values, one per partition column
}

// NewSource builds the source of a filesystem table. It checks the options
// and builds the decoder; Open lists the files.
func NewSource(spec *engine.TableSpec) (*Source, error) {
	cfg, err := parseConfig(spec)
	if err != nil {
		return nil, err
	}
	cols := cfg.dataCols
	if cfg.format == format.JSON && spec.Needed != nil {
		// Projection pushdown: JSON finds fields by name, so unread columns
		// need not be decoded (CSV and raw are positional).
		kept := cols[:0:0]
		for _, c := range cols {
			if c.Pos >= len(spec.Needed) || spec.Needed[c.Pos] {
				kept = append(kept, c)
			}
		}
		cols = kept
	}
	dec, err := format.NewDecoder(spec, cols, "")
	if err != nil {
		return nil, cfg.errf("%v", err)
	}
	s := &Source{cfg: cfg, dec: dec, ncols: len(spec.Columns),
		log:   slog.Default().With("connector", Name, "table", spec.Name, "path", cfg.root),
		ids:   map[string]int32{},
		paths: map[int32]string{}, announced: map[int32]bool{}, known: map[string]bool{}}
	if cfg.format == format.CSV {
		s.rs = newCSVSplitter(spec)
	}
	return s, nil
}

// Open lists the files under 'path' and positions each: files in start
// resume at their offset (or are done when it is at their end), the others
// start at the beginning. A missing 'path' is an error. It blocks for the
// directory listing.
func (s *Source) Open(ctx context.Context, start map[int32]int64) error {
	if s.opened || s.closed {
		return fmt.Errorf("filesystem source '%s': Open called twice", s.cfg.name)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	entries, err := s.list()
	if err != nil {
		return err
	}
	s.lastScan = time.Now()
	seen := map[int32]bool{}
	for _, e := range entries {
		f := &srcFile{entry: e, id: s.idFor(e.rel), line: 1}
		s.known[e.rel] = true
		pos, restored := start[f.id]
		seen[f.id] = restored
		if restored {
			f.pos, f.line = pos, 0
			if pos == 0 {
				f.line = 1
			}
			if pos >= e.size {
				s.announce(engine.SplitBatch{Split: f.id, Next: pos, Done: true})
				continue
			}
			s.announce(engine.SplitBatch{Split: f.id, Next: pos})
		}
		if s.cfg.batch && !restored {
			// Batch mode: every file is a split from the start, and none is
			// released when read, so the watermark waits for all of them
			// (no row of one file is late because of another's).
			s.announce(engine.SplitBatch{Split: f.id})
		}
		s.files = append(s.files, f)
	}
	ids := make([]int32, 0, len(start))
	for id := range start {
		if !seen[id] {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	for _, id := range ids { // a file read before that is gone now
		s.announce(engine.SplitBatch{Split: id, Next: start[id], Done: true})
	}
	s.opened = true
	return nil
}

func (s *Source) announce(b engine.SplitBatch) {
	s.mu.Lock()
	s.announced[b.Split] = true
	s.mu.Unlock()
	s.pending = append(s.pending, b)
}

// idFor returns the split id of a relative path: a hash of the path, the
// next free id on a collision (paths get ids in listing order).
func (s *Source) idFor(rel string) int32 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id, ok := s.ids[rel]; ok {
		return id
	}
	h := fnv.New32a()
	h.Write([]byte(rel))
	id := int32(h.Sum32() & 0x7fffffff)
	for {
		if _, taken := s.paths[id]; !taken {
			break
		}
		id = (id + 1) & 0x7fffffff
	}
	s.ids[rel], s.paths[id] = id, rel
	return id
}

// list finds the files to read under the root, sorted by relative path.
// For a partitioned table only files in directories naming every
// partition key are read.
func (s *Source) list() ([]entry, error) {
	root := s.cfg.root
	info, err := os.Stat(root)
	if err != nil {
		return nil, engine.Permanent(fmt.Errorf("filesystem source '%s': path '%s' cannot be read: %w", s.cfg.name, root, err))
	}
	var out []entry
	ignored := 0
	add := func(p, rel string, fi fs.FileInfo) error {
		if s.cfg.pattern != nil {
			abs, err := filepath.Abs(p)
			if err != nil {
				abs = p
			}
			if !s.cfg.pattern.MatchString(abs) {
				return nil
			}
		}
		parts, ok, err := s.cfg.partitionValues(filepath.Dir(filepath.FromSlash(rel)))
		if err != nil {
			if s.cfg.skipBad {
				s.log.Warn("filesystem: skipped a file in a bad partition directory", "file", rel, "error", err)
				return nil
			}
			return engine.Permanent(fmt.Errorf("filesystem source '%s': %w", s.cfg.name, err))
		}
		if !ok {
			ignored++
			return nil
		}
		out = append(out, entry{path: p, rel: rel, size: fi.Size(), mtime: fi.ModTime(), parts: parts})
		return nil
	}
	if !info.IsDir() {
		if err := add(root, filepath.Base(root), info); err != nil {
			return nil, err
		}
		return out, nil
	}
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p != root && errors.Is(err, fs.ErrNotExist) {
				return nil // removed while listing
			}
			return err
		}
		if p == root {
			return nil
		}
		if hidden(d.Name()) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		fi, err := os.Stat(p) // follows a symbolic link
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if !fi.Mode().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		return add(p, filepath.ToSlash(rel), fi)
	})
	if err != nil {
		if engine.IsPermanent(err) {
			return nil, err
		}
		return nil, fmt.Errorf("filesystem source '%s': listing '%s': %w", s.cfg.name, root, err)
	}
	if ignored > 0 {
		s.log.Debug("filesystem: files outside partition directories are not read", "count", ignored)
	}
	slices.SortFunc(out, func(a, b entry) int { return strings.Compare(a.rel, b.rel) })
	return out, nil
}

// Splits reports the files started so far (and those a checkpoint named).
func (s *Source) Splits() []int32 {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]int32, 0, len(s.announced))
	for id := range s.announced {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// Bounded reports whether the source ends: it does unless
// 'source.monitor-interval' is set.
func (s *Source) Bounded() bool { return s.cfg.monitor == 0 }

// EndOffsets returns the size of every file there is to read now, by
// split; a job has caught up when each of its files is read to that size.
// It blocks for a directory listing.
func (s *Source) EndOffsets(ctx context.Context) (map[int32]int64, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	entries, err := s.list()
	if err != nil {
		return nil, err
	}
	out := make(map[int32]int64, len(entries))
	for _, e := range entries {
		out[s.idFor(e.rel)] = e.size
	}
	return out, nil
}

// Poll reads the next records of the current file (at most 4096), as one
// batch of its split; the batch that reaches the end of a file is marked
// Done (except in batch mode, where every file holds the watermark until
// the source ends). The first Poll after Open reports the positions it
// restored (in batch mode, every file). Once
// every file is read it returns io.EOF, or, with
// 'source.monitor-interval', looks for new files every interval (waiting
// at most ~200 ms per call). Batches and rows are valid until the next
// Poll.
func (s *Source) Poll(ctx context.Context) ([]engine.SplitBatch, error) {
	if !s.opened || s.closed {
		return nil, ErrNotOpen
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.batches = s.batches[:0]
	if len(s.pending) > 0 {
		s.batches = append(s.batches, s.pending...)
		s.pending = s.pending[:0]
		return s.batches, nil
	}
	for s.cur == nil {
		if s.next >= len(s.files) {
			if s.cfg.monitor == 0 {
				return nil, io.EOF
			}
			found, err := s.monitor(ctx)
			if err != nil || !found {
				return nil, err
			}
			continue
		}
		f := s.files[s.next]
		r, err := openFile(f, s.rs)
		if errors.Is(err, fs.ErrNotExist) {
			s.log.Warn("filesystem: a file disappeared before it was read", "file", f.rel)
			s.next++
			s.announce(engine.SplitBatch{Split: f.id, Next: f.pos, Done: true})
			s.batches = append(s.batches, s.pending...)
			s.pending = s.pending[:0]
			return s.batches, nil
		}
		if err != nil {
			return nil, fmt.Errorf("filesystem source '%s': %w", s.cfg.name, err)
		}
		s.cur = r
		s.mu.Lock()
		s.announced[f.id] = true
		s.mu.Unlock()
	}
	b, err := s.read(s.files[s.next])
	if err != nil {
		return nil, err
	}
	s.batches = append(s.batches, b)
	return s.batches, nil
}

// monitor lists the directory again once 'source.monitor-interval' has
// passed since the last listing and queues new files. found is false when
// there is nothing new yet (after waiting a little).
func (s *Source) monitor(ctx context.Context) (found bool, err error) {
	wait := s.cfg.monitor - time.Since(s.lastScan)
	if wait > 0 {
		t := time.NewTimer(min(wait, idleWait))
		defer t.Stop()
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-t.C:
		}
		if wait > idleWait {
			return false, nil
		}
	}
	entries, err := s.list()
	s.lastScan = time.Now()
	if err != nil {
		return false, err
	}
	for _, e := range entries {
		if s.known[e.rel] {
			continue
		}
		s.known[e.rel] = true
		s.files = append(s.files, &srcFile{entry: e, id: s.idFor(e.rel), line: 1})
		found = true
		s.log.Info("filesystem: reading new file", "file", e.rel)
	}
	return found, nil
}

// read decodes up to maxPollRecords records of f.
func (s *Source) read(f *srcFile) (engine.SplitBatch, error) {
	if need := maxPollRecords * s.ncols; cap(s.arena) < need {
		s.arena = make([]types.Value, need)
	}
	s.recs = s.recs[:0]
	b := engine.SplitBatch{Split: f.id}
	used, eof := 0, false
	for len(s.recs) < maxPollRecords {
		rec, n, lines, err := s.cur.next()
		if err == io.EOF {
			eof = true
			break
		}
		if err != nil {
			return b, fmt.Errorf("filesystem source '%s': reading '%s': %w", s.cfg.name, f.rel, err)
		}
		at, line := f.pos, f.line
		f.pos += int64(n)
		if f.line > 0 {
			f.line += int64(lines)
		}
		if len(rec) == 0 && s.cfg.format != format.Raw {
			continue // blank line
		}
		row := s.arena[used : used+s.ncols : used+s.ncols]
		clear(row)
		if err := s.dec.Decode(rec, row); err != nil {
			if errors.Is(err, format.ErrSkip) {
				continue
			}
			where := fmt.Sprintf("byte offset %d", at)
			if line > 0 {
				where = fmt.Sprintf("line %d", line)
			}
			if !s.cfg.skipBad {
				// Bad data: restarting cannot help, the job fails.
				return b, engine.Permanent(fmt.Errorf("filesystem source '%s': cannot decode the record at file '%s' %s: %w",
					s.cfg.name, f.rel, where, err))
			}
			b.Skipped++
			s.log.Warn("filesystem: skipped a record that cannot be decoded", "file", f.rel, "at", where, "error", err)
			continue
		}
		for i, p := range s.cfg.parts {
			row[p.pos] = f.parts[i]
		}
		for _, m := range s.cfg.meta {
			row[m.pos] = s.cfg.metaValue(&f.entry, m)
		}
		used += s.ncols
		s.recs = append(s.recs, engine.Rec{Row: row, Kind: engine.Insert})
	}
	b.Next = f.pos
	b.Recs = s.recs
	b.Done = eof && !s.cfg.batch
	if eof {
		s.cur.close()
		s.cur = nil
		s.next++
	}
	return b, nil
}

func (c *config) metaValue(e *entry, m metaCol) types.Value {
	switch m.key {
	case MetaFilePath:
		p, err := filepath.Abs(e.path)
		if err != nil {
			p = e.path
		}
		return types.StringV(p)
	case MetaFileName:
		return types.StringV(filepath.Base(e.path))
	case MetaFileSize:
		return types.IntOf(m.typ.Kind, e.size)
	case MetaFileMTime:
		us := e.mtime.UnixMilli() * types.MicrosPerMilli
		if m.typ.Kind == types.Timestamp {
			_, off := e.mtime.In(c.loc).Zone()
			return types.TimestampV(us + int64(off)*types.MicrosPerSecond)
		}
		return types.TimestampLTZV(us)
	}
	return types.Value{}
}

// Close closes the file being read. Safe to call more than once.
func (s *Source) Close() error {
	s.closed = true
	if s.cur != nil {
		s.cur.close()
		s.cur = nil
	}
	return nil
}

// fileReader reads the records of one file from a position.
type fileReader struct {
	f   *os.File
	br  *bufio.Reader
	buf []byte
	rs  recordSplitter
}

func openFile(sf *srcFile, rs recordSplitter) (*fileReader, error) {
	f, err := os.Open(sf.path)
	if err != nil {
		return nil, err
	}
	if sf.pos > 0 {
		if _, err := f.Seek(sf.pos, io.SeekStart); err != nil {
			f.Close()
			return nil, err
		}
	}
	return &fileReader{f: f, br: bufio.NewReaderSize(f, readBuffer), rs: rs}, nil
}

// next returns the next record without its line break, the bytes it took
// (line break included) and the number of line breaks in them. The record
// is valid until the next call. At the end of the file it returns io.EOF;
// a last record without a line break is returned first.
func (r *fileReader) next() (rec []byte, n, lines int, err error) {
	r.buf = r.buf[:0]
	if r.rs != nil {
		r.rs.reset()
	}
	for {
		chunk, err := r.br.ReadSlice('\n')
		r.buf = append(r.buf, chunk...)
		if errors.Is(err, bufio.ErrBufferFull) {
			if r.rs != nil {
				r.rs.scan(chunk)
			}
			continue
		}
		if err == io.EOF {
			if len(r.buf) == 0 {
				return nil, 0, 0, io.EOF
			}
			return r.buf, len(r.buf), lines, nil
		}
		if err != nil {
			return nil, 0, 0, err
		}
		lines++
		if r.rs != nil && !r.rs.scan(chunk) {
			continue // the line break is inside a quoted field
		}
		n = len(r.buf)
		rec = r.buf[:n-1]
		if k := len(rec); k > 0 && rec[k-1] == '\r' {
			rec = rec[:k-1]
		}
		return rec, n, lines, nil
	}
}

func (r *fileReader) close() { r.f.Close() }

// recordSplitter tells whether a line break ends a record (CSV quoted
// fields may hold line breaks).
type recordSplitter interface {
	reset()
	// scan consumes bytes of the record; when they end with a line break
	// it reports whether that line break ends the record.
	scan(b []byte) bool
}

// csvSplitter follows CSV quoting as the csv format reads it: a quote
// character at the start of a field opens a quoted field, a doubled quote
// inside one is a quote, the escape character escapes the next byte.
type csvSplitter struct {
	delim, quote, escape byte

	fieldStart, inQuotes, quoteSeen, escNext bool
}

func newCSVSplitter(spec *engine.TableSpec) recordSplitter {
	char := func(key string, def byte) byte {
		v, ok := spec.Option("csv." + key)
		if !ok {
			return def
		}
		if strings.Contains(v, `\`) {
			if u, err := strconv.Unquote(`"` + strings.ReplaceAll(v, `"`, `\"`) + `"`); err == nil {
				v = u
			}
		}
		if len(v) != 1 {
			return def
		}
		return v[0]
	}
	c := &csvSplitter{delim: char("field-delimiter", ','), quote: char("quote-character", '"'), escape: char("escape-character", 0)}
	if v, _ := spec.Option("csv.disable-quote-character"); strings.EqualFold(strings.TrimSpace(v), "true") {
		c.quote = 0
	}
	if c.quote == 0 && c.escape == 0 {
		return nil // every line break ends a record
	}
	c.reset()
	return c
}

func (c *csvSplitter) reset() {
	c.fieldStart, c.inQuotes, c.quoteSeen, c.escNext = true, false, false, false
}

func (c *csvSplitter) scan(b []byte) bool {
	ends := false
	for i, ch := range b {
		last := i == len(b)-1
		if c.escNext {
			c.escNext = false
			c.fieldStart = false
			continue
		}
		if c.inQuotes {
			if c.quoteSeen {
				c.quoteSeen = false
				if ch == c.quote {
					continue // a doubled quote
				}
				c.inQuotes = false // the quote closed the field; ch is outside it
			} else {
				switch {
				case c.escape != 0 && ch == c.escape:
					c.escNext = true
				case ch == c.quote:
					c.quoteSeen = true
				}
				continue
			}
		}
		switch {
		case ch == '\n':
			ends = last
			c.fieldStart = true
		case c.fieldStart && c.quote != 0 && ch == c.quote:
			c.inQuotes, c.fieldStart = true, false
		case c.escape != 0 && ch == c.escape:
			c.escNext, c.fieldStart = true, false
		default:
			c.fieldStart = ch == c.delim
		}
	}
	return ends
}
