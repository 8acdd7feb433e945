package filesystem

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tumble/tumble/connectors/format"
	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/types"
)

// Sink writes a filesystem table: one open part file per partition
// directory, under a hidden in-progress name, rolled (closed, still
// hidden) when it reaches 'sink.rolling-policy.file-size' or has been open
// for 'sink.rolling-policy.rollover-interval' (or idle for
// 'sink.rolling-policy.inactivity-interval'; both checked every
// 'sink.rolling-policy.check-interval' as records arrive), and renamed to
// its final name when committed.
//
// Committing: when the job takes checkpoints the engine drives the sink
// through engine.Transactional: Commit(n) closes every file and makes the
// files written since the previous checkpoint visible together with a
// marker naming checkpoint n; Abort and Close drop what was not committed.
// Without checkpoints ('execution.checkpointing.interval' = 0) every Flush
// commits, and so does Close. Methods are called from one goroutine.
type Sink struct {
	cfg  *config
	enc  format.Encoder
	log  *slog.Logger
	job  string // the job id; "" outside a job
	uuid string // names this sink's files
	tag  string // suffix of this job's in-progress files

	open      map[string]*partFile // by relative partition directory
	pending   []*partFile          // rolled, waiting for the commit
	counter   int
	managed   bool // the engine called Begin
	recovered bool
	lastCheck time.Time
	buf       []byte
	lastVals  []types.Value // partition values of the last row written
	lastDir   string        // and its directory
	err       error         // sticky write error
	closed    bool

	firstSeen   map[string]time.Time // partition directory -> first write
	needSuccess map[string]bool      // partitions with files committed but no success file yet
	wm          int64                // the input's watermark (partition-time trigger)
}

var (
	_ engine.Transactional = (*Sink)(nil)
	_ engine.WatermarkSink = (*Sink)(nil)
)

// ErrUpdates is returned by Write for a record that is not an insert: a
// filesystem table takes append-only input (the planner refuses updating
// queries before they get here).
var ErrUpdates = errors.New("the 'filesystem' connector only accepts insert-only input")

// markerDir holds, per job, the last committed checkpoint and the renames
// that commit implies.
const markerDir = "_tumble_checkpoints"

const markerHeader = "tumble-filesystem-commit 1"

// partFile is one part file being written or waiting for its commit.
type partFile struct {
	dir        string // relative partition directory ("" when unpartitioned)
	tmp, final string // absolute paths
	f          *os.File
	w          *bufio.Writer
	size       int64
	opened     time.Time
	lastWrite  time.Time
}

// NewSink builds the sink of a filesystem table. It checks the options and
// builds the encoder; directories are created as files are written.
func NewSink(spec *engine.TableSpec) (*Sink, error) {
	cfg, err := parseConfig(spec)
	if err != nil {
		return nil, err
	}
	for _, m := range cfg.meta {
		if !m.virtual {
			return nil, cfg.errf("metadata '%s' of column '%s' cannot be written; declare the column VIRTUAL", m.key, spec.Columns[m.pos].Name)
		}
	}
	enc, err := format.NewEncoder(spec, cfg.dataCols, "")
	if err != nil {
		return nil, cfg.errf("%v", err)
	}
	var id [16]byte
	if _, err := rand.Read(id[:]); err != nil {
		return nil, err
	}
	u := hex.EncodeToString(id[:])
	uuid := u[:8] + "-" + u[8:12] + "-" + u[12:16] + "-" + u[16:20] + "-" + u[20:]
	s := &Sink{cfg: cfg, enc: enc, uuid: uuid, job: spec.Defaults[engine.DefaultJobID], wm: engine.MinWatermark,
		log:  slog.Default().With("connector", Name, "table", spec.Name, "path", cfg.root),
		open: map[string]*partFile{}, firstSeen: map[string]time.Time{}, needSuccess: map[string]bool{},
		lastCheck: time.Now()}
	s.tag = s.job
	if s.tag == "" {
		s.tag = uuid
	}
	return s, nil
}

// Write encodes recs into the part files of their partitions. It blocks
// for the disk.
func (s *Sink) Write(_ context.Context, recs []engine.Rec) error {
	if s.err != nil {
		return s.err
	}
	if err := s.recover(); err != nil {
		return err
	}
	now := time.Now()
	if now.Sub(s.lastCheck) >= s.cfg.checkEvery {
		s.lastCheck = now
		for _, dir := range s.openDirs() {
			pf := s.open[dir]
			if now.Sub(pf.opened) >= s.cfg.rollover || now.Sub(pf.lastWrite) >= s.cfg.inactivity {
				if err := s.roll(pf); err != nil {
					return s.fail(err)
				}
			}
		}
	}
	for i := range recs {
		rec := &recs[i]
		if rec.Kind != engine.Insert {
			return engine.Permanent(fmt.Errorf("filesystem sink '%s': %w, but got a %s record", s.cfg.name, ErrUpdates, rec.Kind))
		}
		out, _, err := s.enc.Encode(s.buf[:0], rec.Row)
		if err != nil {
			return engine.Permanent(fmt.Errorf("filesystem sink '%s': %w", s.cfg.name, err))
		}
		s.buf = append(out, '\n')
		dir := s.partitionDir(rec.Row)
		pf := s.open[dir]
		if pf == nil {
			if pf, err = s.newPart(dir, now); err != nil {
				return s.fail(err)
			}
		}
		if _, err := pf.w.Write(s.buf); err != nil {
			return s.fail(fmt.Errorf("filesystem sink '%s': writing '%s': %w", s.cfg.name, pf.tmp, err))
		}
		pf.size += int64(len(s.buf))
		pf.lastWrite = now
		if pf.size >= s.cfg.fileSize {
			if err := s.roll(pf); err != nil {
				return s.fail(err)
			}
		}
	}
	return nil
}

// partitionDir is the row's partition directory; consecutive rows of the
// same partition reuse the previous answer.
func (s *Sink) partitionDir(row []types.Value) string {
	if len(s.cfg.parts) == 0 {
		return ""
	}
	same := s.lastVals != nil
	for i := 0; same && i < len(s.cfg.parts); i++ {
		v, w := row[s.cfg.parts[i].pos], s.lastVals[i]
		same = v.K == w.K && v.I == w.I && v.S == w.S && v.Scale == w.Scale && v.X == nil && w.X == nil
	}
	if same {
		return s.lastDir
	}
	if s.lastVals == nil {
		s.lastVals = make([]types.Value, len(s.cfg.parts))
	}
	for i, p := range s.cfg.parts {
		s.lastVals[i] = row[p.pos]
	}
	s.lastDir = s.cfg.partitionDir(row)
	return s.lastDir
}

func (s *Sink) fail(err error) error {
	if s.err == nil {
		s.err = err
	}
	return err
}

func (s *Sink) openDirs() []string {
	dirs := make([]string, 0, len(s.open))
	for d := range s.open {
		dirs = append(dirs, d)
	}
	slices.Sort(dirs)
	return dirs
}

// newPart opens a new in-progress file in a partition directory.
func (s *Sink) newPart(dir string, now time.Time) (*partFile, error) {
	s.counter++
	name := fmt.Sprintf("part-%s-0-%d", s.uuid, s.counter)
	abs := filepath.Join(s.cfg.root, dir)
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return nil, fmt.Errorf("filesystem sink '%s': %w", s.cfg.name, err)
	}
	pf := &partFile{dir: dir, final: filepath.Join(abs, name),
		tmp: filepath.Join(abs, "."+name+".inprogress."+s.tag), opened: now, lastWrite: now}
	f, err := os.OpenFile(pf.tmp, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, fmt.Errorf("filesystem sink '%s': %w", s.cfg.name, err)
	}
	pf.f, pf.w = f, bufio.NewWriterSize(f, 64<<10)
	s.open[dir] = pf
	if _, ok := s.firstSeen[dir]; !ok {
		s.firstSeen[dir] = now
	}
	return pf, nil
}

// roll closes a part file (flushed and synced) and queues it for the
// commit; it stays hidden until then.
func (s *Sink) roll(pf *partFile) error {
	delete(s.open, pf.dir)
	err := pf.w.Flush()
	if err == nil {
		err = pf.f.Sync()
	}
	if cerr := pf.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(pf.tmp)
		return fmt.Errorf("filesystem sink '%s': closing '%s': %w", s.cfg.name, pf.tmp, err)
	}
	s.pending = append(s.pending, pf)
	return nil
}

// Flush blocks until everything written so far is on disk. Without
// checkpoints (no Begin) it also commits: the files become visible.
func (s *Sink) Flush(context.Context) error {
	if s.err != nil {
		return s.err
	}
	if !s.managed {
		return s.commit(-1)
	}
	for _, dir := range s.openDirs() {
		pf := s.open[dir]
		if err := pf.w.Flush(); err != nil {
			return s.fail(fmt.Errorf("filesystem sink '%s': writing '%s': %w", s.cfg.name, pf.tmp, err))
		}
		if err := pf.f.Sync(); err != nil {
			return s.fail(fmt.Errorf("filesystem sink '%s': syncing '%s': %w", s.cfg.name, pf.tmp, err))
		}
	}
	return nil
}

// ExactlyOnce implements engine.Transactional: a sink of a job that takes
// checkpoints commits its files with them.
func (s *Sink) ExactlyOnce() bool { return s.job != "" && s.cfg.checkpoints }

// Begin hands commits to the caller (Flush no longer commits). The first
// call finishes a commit an earlier run left half done and removes that
// run's uncommitted files.
func (s *Sink) Begin(context.Context) error {
	s.managed = true
	return s.recover()
}

// Commit closes every open file and makes all files written since the last
// commit visible: it records checkpoint n and the renames in the job's
// marker (written atomically: the commit point), then renames. n < 0
// records nothing. It blocks for the disk.
func (s *Sink) Commit(_ context.Context, n int64) error {
	if s.err != nil {
		return s.err
	}
	return s.commit(n)
}

func (s *Sink) commit(n int64) error {
	for _, dir := range s.openDirs() {
		if err := s.roll(s.open[dir]); err != nil {
			return s.fail(err)
		}
	}
	if s.managed && s.job != "" && n >= 0 {
		if err := s.writeMarker(n); err != nil {
			return s.fail(err)
		}
	}
	dirs := map[string]bool{}
	for _, pf := range s.pending {
		if err := os.Rename(pf.tmp, pf.final); err != nil {
			return s.fail(fmt.Errorf("filesystem sink '%s': committing '%s': %w", s.cfg.name, pf.final, err))
		}
		dirs[pf.dir] = true
	}
	s.pending = s.pending[:0]
	for dir := range dirs {
		syncDir(filepath.Join(s.cfg.root, dir))
		if s.cfg.successFile != "" && len(s.cfg.parts) > 0 {
			s.needSuccess[dir] = true
		}
	}
	return s.writeSuccessFiles()
}

// Watermark implements engine.WatermarkSink: under the partition-time
// trigger, partitions whose time the watermark passed get their success
// files.
func (s *Sink) Watermark(_ context.Context, wm int64) error {
	if wm <= s.wm {
		return nil
	}
	s.wm = wm
	if s.err != nil || !s.cfg.byPartitionTime || len(s.needSuccess) == 0 {
		return s.err
	}
	return s.writeSuccessFiles()
}

// writeSuccessFiles writes the commit policy's success file into every
// partition that got files, once the commit trigger says the partition is
// complete: 'sink.partition-commit.delay' after the partition's first
// record ('process-time'), or once the watermark passes the partition's
// time plus the delay ('partition-time').
func (s *Sink) writeSuccessFiles() error {
	now := time.Now()
	for dir := range s.needSuccess {
		if s.cfg.byPartitionTime {
			t, err := s.cfg.partitionTime(dir)
			if err != nil {
				return s.fail(engine.Permanent(fmt.Errorf("filesystem sink '%s': %w", s.cfg.name, err)))
			}
			if s.wm <= t+s.cfg.commitDelay.Milliseconds() {
				continue
			}
		} else if now.Before(s.firstSeen[dir].Add(s.cfg.commitDelay)) {
			continue
		}
		p := filepath.Join(s.cfg.root, dir, s.cfg.successFile)
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			return s.fail(fmt.Errorf("filesystem sink '%s': writing '%s': %w", s.cfg.name, p, err))
		}
		delete(s.needSuccess, dir)
	}
	return nil
}

// Abort drops the files written since the last commit.
func (s *Sink) Abort(context.Context) error {
	s.abort()
	return nil
}

func (s *Sink) abort() {
	for _, dir := range s.openDirs() {
		pf := s.open[dir]
		pf.f.Close()
		os.Remove(pf.tmp)
		delete(s.open, dir)
	}
	for _, pf := range s.pending {
		os.Remove(pf.tmp)
	}
	s.pending = s.pending[:0]
}

// Close ends the sink. Under checkpoints it drops what no checkpoint
// committed (a restart writes it again); without, it commits what was
// written, as at the end of a bounded job. Safe to call more than once.
func (s *Sink) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	if s.managed || s.err != nil {
		s.abort()
		return nil
	}
	if len(s.open) == 0 && len(s.pending) == 0 {
		return nil
	}
	err := s.commit(-1)
	s.abort()
	return err
}

// LastCommitted implements engine.Transactional: the checkpoint the job's
// marker names (or -1), after finishing the renames of that commit in case
// a crash interrupted them.
func (s *Sink) LastCommitted(context.Context) (int64, error) {
	if s.job == "" {
		return -1, nil
	}
	return s.rollForward()
}

func (s *Sink) markerPath() string { return filepath.Join(s.cfg.root, markerDir, s.job) }

// writeMarker records checkpoint n and the pending renames, atomically.
func (s *Sink) writeMarker(n int64) error {
	var b bytes.Buffer
	b.WriteString(markerHeader + "\n")
	b.WriteString("checkpoint " + strconv.FormatInt(n, 10) + "\n")
	for _, pf := range s.pending {
		tmp, err1 := filepath.Rel(s.cfg.root, pf.tmp)
		final, err2 := filepath.Rel(s.cfg.root, pf.final)
		if err1 != nil || err2 != nil {
			return fmt.Errorf("filesystem sink '%s': file outside the table directory", s.cfg.name)
		}
		b.WriteString("rename " + filepath.ToSlash(tmp) + "\t" + filepath.ToSlash(final) + "\n")
	}
	dir := filepath.Join(s.cfg.root, markerDir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("filesystem sink '%s': %w", s.cfg.name, err)
	}
	tmp := filepath.Join(dir, "."+s.job+".tmp")
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("filesystem sink '%s': %w", s.cfg.name, err)
	}
	_, err = f.Write(b.Bytes())
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, s.markerPath())
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("filesystem sink '%s': writing the commit marker: %w", s.cfg.name, err)
	}
	syncDir(dir)
	return nil
}

// rollForward reads the job's marker, finishes its renames and returns
// its checkpoint (-1 without a marker).
func (s *Sink) rollForward() (int64, error) {
	raw, err := os.ReadFile(s.markerPath())
	if errors.Is(err, fs.ErrNotExist) {
		return -1, nil
	}
	if err != nil {
		return -1, fmt.Errorf("filesystem sink '%s': reading the commit marker: %w", s.cfg.name, err)
	}
	lines := strings.Split(strings.TrimRight(string(raw), "\n"), "\n")
	bad := func() (int64, error) {
		return -1, engine.Permanent(fmt.Errorf("filesystem sink '%s': commit marker '%s' is damaged", s.cfg.name, s.markerPath()))
	}
	if len(lines) < 2 || lines[0] != markerHeader {
		return bad()
	}
	ns, ok := strings.CutPrefix(lines[1], "checkpoint ")
	n, err := strconv.ParseInt(ns, 10, 64)
	if !ok || err != nil {
		return bad()
	}
	dirs := map[string]bool{}
	for _, l := range lines[2:] {
		pair, ok := strings.CutPrefix(l, "rename ")
		tmp, final, ok2 := strings.Cut(pair, "\t")
		if !ok || !ok2 {
			return bad()
		}
		from := filepath.Join(s.cfg.root, filepath.FromSlash(tmp))
		to := filepath.Join(s.cfg.root, filepath.FromSlash(final))
		if err := os.Rename(from, to); err != nil {
			if errors.Is(err, fs.ErrNotExist) && exists(to) {
				continue // renamed before the crash
			}
			if errors.Is(err, fs.ErrNotExist) {
				s.log.Warn("filesystem: a committed file is missing", "file", to)
				continue
			}
			return -1, fmt.Errorf("filesystem sink '%s': finishing the commit of checkpoint %d: %w", s.cfg.name, n, err)
		}
		dirs[filepath.Dir(to)] = true
	}
	for d := range dirs {
		syncDir(d)
	}
	return n, nil
}

// recover runs once before the sink writes: it finishes the last commit
// and removes in-progress files an earlier run of the same job left (they
// were never committed, and the job writes their rows again).
func (s *Sink) recover() error {
	if s.recovered {
		return nil
	}
	s.recovered = true
	if s.job == "" || !exists(s.cfg.root) {
		return nil
	}
	if _, err := s.rollForward(); err != nil {
		return err
	}
	suffix := ".inprogress." + s.tag
	return filepath.WalkDir(s.cfg.root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // best effort
		}
		if d.IsDir() {
			if d.Name() == markerDir {
				return filepath.SkipDir
			}
			return nil
		}
		name := d.Name()
		if strings.HasPrefix(name, ".part-") && strings.HasSuffix(name, suffix) && !strings.Contains(name, s.uuid) {
			if err := os.Remove(p); err == nil {
				s.log.Info("filesystem: removed an uncommitted file of an earlier run", "file", p)
			}
		}
		return nil
	})
}

// syncDir makes renames in dir durable (best effort).
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
