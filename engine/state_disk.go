package engine

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/bloom"

	"github.com/tumble/tumble/engine/types"
)

// The disk state backend: one Pebble LSM per job attempt, in a working
// directory that is emptied when the job opens. Keys are
//
//	key group (2 bytes, big-endian) | store id (2 bytes) | the operator's key
//
// so that a key group of every operator is one range. The LSM's write-ahead
// log is off, as in Flink's RocksDB backend: what survives a crash is the
// last checkpoint.
//
// Checkpoints are incremental: checkpoint n flushes the memtables, asks
// Pebble for a checkpoint of the LSM (its SST files hard-linked, its
// MANIFEST and OPTIONS copied) into CHECKPOINT_DIR/state/chk-n, and moves
// the SST files that are new into CHECKPOINT_DIR/state/shared/; files that
// an earlier checkpoint already holds (most of them, once the state is
// large) are not written again. The checkpoint file names the SST files it
// needs. Restoring links them and chk-n's files into an empty working
// directory and opens the LSM there. Files that no kept checkpoint names
// are removed once a newer checkpoint is complete.

const (
	stateRootDir        = "state"
	stateSharedDir      = "shared"
	stateWorkDir        = "work"
	stateChkPrefix      = "chk-"
	defaultCacheEntries = 20_000
	defaultCacheBytes   = 32 << 20
)

// stateBackend is a job attempt's state backend. db is nil for the memory
// backend. The job's goroutine alone uses it.
type stateBackend struct {
	cfg    StateConfig
	log    *slog.Logger
	db     *pebble.DB
	dir    string // the working directory
	stores []diskStore
	nextID uint16
	// canonical makes snapshots write every entry (savepoints).
	canonical bool
	// NewBytes is the size of the SST files the last checkpoint added.
	newBytes int64
}

// diskStore is what the backend needs of each of its stores.
type diskStore interface {
	writeOut(drop bool) error
	dropCache()
}

// newStateBackend opens the state backend of a job attempt.
func newStateBackend(spec *JobSpec, log *slog.Logger) (*stateBackend, error) {
	sb := &stateBackend{cfg: spec.State, log: log}
	if spec.State.Backend != DiskState {
		return sb, nil
	}
	dir := spec.State.Dir
	if dir == "" {
		if spec.CheckpointDir != "" {
			dir = filepath.Join(spec.CheckpointDir, stateRootDir, stateWorkDir)
		} else {
			tmp, err := os.MkdirTemp("", "tumble-state-")
			if err != nil {
				return nil, fmt.Errorf("disk state backend: %w", err)
			}
			dir = tmp
		}
	}
	sb.dir = dir
	if err := os.RemoveAll(dir); err != nil {
		return nil, fmt.Errorf("disk state backend: %w", err)
	}
	if err := sb.open(); err != nil {
		return nil, err
	}
	return sb, nil
}

// pebbleLogger sends Pebble's errors to the job's log and drops the rest.
type pebbleLogger struct{ log *slog.Logger }

func (l pebbleLogger) Infof(string, ...any) {}
func (l pebbleLogger) Errorf(format string, args ...any) {
	l.log.Warn("disk state backend: " + fmt.Sprintf(format, args...))
}
func (l pebbleLogger) Fatalf(format string, args ...any) {
	l.log.Error("disk state backend: " + fmt.Sprintf(format, args...))
	panic(fmt.Sprintf(format, args...))
}

// open opens (or creates) the LSM in the working directory.
func (sb *stateBackend) open() error {
	if err := os.MkdirAll(sb.dir, 0o755); err != nil {
		return fmt.Errorf("disk state backend: %w", err)
	}
	blockCache, memTable, memTables := sb.cfg.BlockCacheSize, sb.cfg.MemTableSize, sb.cfg.MemTables
	if blockCache <= 0 {
		blockCache = 8 << 20
	}
	if memTable <= 0 {
		memTable = 64 << 20
	}
	if memTables <= 0 {
		memTables = 2
	}
	// Pebble charges the memtables it allocates to the block cache (a
	// reservation that shrinks the room for blocks; the memtables are their
	// own memory), so a cache of blockCache bytes beside larger write
	// buffers held no block at all: every lookup read and checksummed its
	// filter, index and data blocks from the file again. The cache is made
	// as large as the blocks and the write buffers together, so that the
	// LSM's memory is bounded by the two settings' sum, as with Flink's
	// managed RocksDB memory (the write buffers charged to the cache), and
	// blockCache bytes of blocks fit once every write buffer is allocated.
	cache := pebble.NewCache(blockCacheCapacity(blockCache, memTable, memTables))
	defer cache.Unref()
	opts := &pebble.Options{
		Cache:                       cache,
		MemTableSize:                uint64(memTable),
		MemTableStopWritesThreshold: memTables,
		DisableWAL:                  true,
		Logger:                      pebbleLogger{log: sb.log},
	}
	// Bloom filters: most lookups of keyed state are of keys seen once
	// (a new group, a new join key), which the filters answer without
	// reading a block.
	opts.Levels[0].FilterPolicy = bloom.FilterPolicy(10)
	db, err := pebble.Open(sb.dir, opts)
	if err != nil {
		return fmt.Errorf("disk state backend: open %s: %w", sb.dir, err)
	}
	sb.db = db
	return nil
}

// blockCacheCapacity is the size to create Pebble's cache with: blocks
// bytes of blocks beside the reservations of memTables write buffers of
// memTable bytes.
func blockCacheCapacity(blocks, memTable int64, memTables int) int64 {
	return blocks + memTable*int64(memTables)
}

// close closes the LSM and removes the working directory.
func (sb *stateBackend) close() {
	if sb == nil || sb.db == nil {
		return
	}
	if err := sb.db.Close(); err != nil {
		sb.log.Warn("close the disk state backend", "err", err)
	}
	sb.db = nil
	os.RemoveAll(sb.dir)
}

// writeOutAll writes every store's changes to the LSM.
func (sb *stateBackend) writeOutAll() error {
	if sb == nil {
		return nil
	}
	for _, s := range sb.stores {
		if err := s.writeOut(false); err != nil {
			return err
		}
	}
	return nil
}

func chkDirName(n int64) string { return fmt.Sprintf("%s%020d", stateChkPrefix, n) }

// isShared says whether a file of an LSM checkpoint is immutable and kept
// once for all checkpoints.
func isShared(name string) bool {
	return strings.HasSuffix(name, ".sst") || strings.HasSuffix(name, ".blob")
}

// checkpoint writes the LSM's checkpoint n under root and returns the
// shared files it needs.
func (sb *stateBackend) checkpoint(root string, n int64) ([]string, error) {
	if err := sb.writeOutAll(); err != nil {
		return nil, err
	}
	if err := sb.db.Flush(); err != nil {
		return nil, fmt.Errorf("disk state backend: flush: %w", err)
	}
	shared := filepath.Join(root, stateSharedDir)
	if err := os.MkdirAll(shared, 0o755); err != nil {
		return nil, err
	}
	final := filepath.Join(root, chkDirName(n))
	tmp := final + ".tmp"
	os.RemoveAll(tmp)
	os.RemoveAll(final)
	if err := sb.db.Checkpoint(tmp); err != nil {
		return nil, fmt.Errorf("disk state backend: checkpoint: %w", err)
	}
	entries, err := os.ReadDir(tmp)
	if err != nil {
		return nil, err
	}
	var files []string
	sb.newBytes = 0
	for _, e := range entries {
		if !isShared(e.Name()) {
			continue
		}
		files = append(files, e.Name())
		src, dst := filepath.Join(tmp, e.Name()), filepath.Join(shared, e.Name())
		if _, err := os.Stat(dst); err == nil {
			os.Remove(src) // an earlier checkpoint has it
			continue
		}
		if info, err := e.Info(); err == nil {
			sb.newBytes += info.Size()
		}
		if err := os.Rename(src, dst); err != nil {
			return nil, err
		}
	}
	syncDir(shared)
	if err := os.Rename(tmp, final); err != nil {
		return nil, err
	}
	syncDir(root)
	sort.Strings(files)
	return files, nil
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// gcCheckpoints removes the LSM checkpoints under root but n (none: n <
// 0) and the shared files that files (n's) does not name.
func gcStateCheckpoints(root string, n int64, files []string) {
	entries, err := os.ReadDir(root)
	if err != nil {
		return
	}
	keep := chkDirName(n)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), stateChkPrefix) && (n < 0 || e.Name() != keep) {
			os.RemoveAll(filepath.Join(root, e.Name()))
		}
	}
	needed := make(map[string]bool, len(files))
	for _, f := range files {
		needed[f] = true
	}
	shared := filepath.Join(root, stateSharedDir)
	sharedFiles, _ := os.ReadDir(shared)
	for _, e := range sharedFiles {
		if !needed[e.Name()] {
			os.Remove(filepath.Join(shared, e.Name()))
		}
	}
}

// restoreFrom replaces the LSM with its checkpoint n under root.
func (sb *stateBackend) restoreFrom(root string, n int64, files []string) error {
	for _, s := range sb.stores {
		s.dropCache()
	}
	if err := sb.db.Close(); err != nil {
		return fmt.Errorf("disk state backend: %w", err)
	}
	sb.db = nil
	if err := os.RemoveAll(sb.dir); err != nil {
		return err
	}
	if err := os.MkdirAll(sb.dir, 0o755); err != nil {
		return err
	}
	chk := filepath.Join(root, chkDirName(n))
	entries, err := os.ReadDir(chk)
	if err != nil {
		return fmt.Errorf("disk state backend: checkpoint %d: %w", n, err)
	}
	for _, e := range entries {
		if err := copyFile(filepath.Join(chk, e.Name()), filepath.Join(sb.dir, e.Name())); err != nil {
			return fmt.Errorf("disk state backend: checkpoint %d: %w", n, err)
		}
	}
	for _, f := range files {
		src, dst := filepath.Join(root, stateSharedDir, f), filepath.Join(sb.dir, f)
		if err := os.Link(src, dst); err != nil {
			if err := copyFile(src, dst); err != nil {
				return fmt.Errorf("disk state backend: checkpoint %d: %w", n, err)
			}
		}
	}
	return sb.open()
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// diskState is the disk backend's keyed state: entries in the LSM, with a
// cache of decoded entries (changed ones included) in front that is
// written out when it outgrows its budget.
type diskState[V any] struct {
	sb     *stateBackend
	codec  stateCodec[V]
	id     uint16
	budget int
	// bytes is the size of the cached values (codec.size), maxBytes its
	// bound.
	bytes, maxBytes int64
	cache           map[string]*diskEntry[V]
	kbuf            []byte
	enc             types.Enc
	err             error
	// written is false while nothing was ever written to the store (no
	// put, add or restore): a get then needs no lookup.
	written bool
	// scope, when set, is the part of a key that picks its key group
	// (entries of one group's map state stay in the group's key group).
	scope func(key []byte) []byte
}

type diskEntry[V any] struct {
	v      V
	absent bool // known not to exist (deleted, or not found)
	dirty  bool // differs from the LSM
	used   bool // read or written since the last eviction
	size   int  // codec.size(v)
	// stored is the number of elements of a list value that the LSM
	// holds (codec.length); grown says that v is those followed by new
	// ones (keyedState.add), which writeOut appends.
	stored int
	grown  bool
	// partial: v holds only elements added to a list not read from the
	// LSM (get reads the rest; writeOut appends them and forgets v).
	partial bool
}

var _ keyedState[int] = (*diskState[int])(nil)

func newDiskState[V any](sb *stateBackend, codec stateCodec[V]) *diskState[V] {
	budget := sb.cfg.CacheEntries
	if budget <= 0 {
		budget = defaultCacheEntries
	}
	maxBytes := sb.cfg.CacheBytes
	if maxBytes <= 0 {
		maxBytes = defaultCacheBytes
	}
	s := &diskState[V]{sb: sb, codec: codec, id: sb.nextID, budget: budget, maxBytes: maxBytes, cache: map[string]*diskEntry[V]{}}
	sb.nextID++
	sb.stores = append(sb.stores, s)
	return s
}

// prefix is the LSM key prefix of this store in key group g.
func (s *diskState[V]) prefix(buf []byte, g int) []byte {
	return append(buf, byte(g>>8), byte(g), byte(s.id>>8), byte(s.id))
}

func (s *diskState[V]) keyGroup(key []byte) int {
	if s.scope != nil {
		key = s.scope(key)
	}
	return KeyGroup(key, s.sb.cfg.maxParallelism())
}

func (s *diskState[V]) dbKey(key []byte) []byte {
	s.kbuf = append(s.prefix(s.kbuf[:0], s.keyGroup(key)), key...)
	return s.kbuf
}

// delPrefix deletes every entry whose key starts with prefix (whose
// scope, with a scope, prefix has).
func (s *diskState[V]) delPrefix(prefix []byte) {
	if s.writeOut(false) != nil {
		return
	}
	for k := range s.cache {
		if strings.HasPrefix(k, string(prefix)) {
			s.evict(k, s.cache[k])
		}
	}
	lower := append(s.prefix(nil, s.keyGroup(prefix)), prefix...)
	upper := prefixEnd(lower)
	if err := s.sb.db.DeleteRange(lower, upper, pebble.NoSync); err != nil {
		s.fail(err)
	}
}

// prefixEnd is the smallest key after every key that starts with p.
func prefixEnd(p []byte) []byte {
	end := append([]byte(nil), p...)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil // all 0xff: no upper bound
}

func (s *diskState[V]) fail(err error) {
	if s.err == nil {
		s.err = fmt.Errorf("disk state backend: %w", err)
	}
}

// decode decodes a value the LSM returned (copied: the LSM reuses it); a
// list value may be several parts, appended by merges.
func (s *diskState[V]) decode(raw []byte) (V, bool) {
	d := &types.Dec{B: append([]byte(nil), raw...)}
	v := s.codec.dec(d)
	for s.codec.concat != nil && d.Err == nil && len(d.B) > 0 {
		v = s.codec.concat(v, s.codec.dec(d))
	}
	if d.Err != nil {
		s.fail(d.Err)
		var zero V
		return zero, false
	}
	return v, true
}

// cached records v as key's cached value.
func (s *diskState[V]) cached(key []byte, e *diskEntry[V], v V, absent bool) {
	if e == nil {
		e = &diskEntry[V]{}
		s.cache[string(key)] = e
	}
	var zero V
	if absent {
		v = zero
	}
	s.bytes -= int64(e.size)
	e.v, e.absent, e.used, e.size = v, absent, true, 0
	if s.codec.size != nil && !absent {
		e.size = s.codec.size(v)
	}
	s.bytes += int64(e.size)
}

// evict drops key's cached value (written out).
func (s *diskState[V]) evict(key string, e *diskEntry[V]) {
	s.bytes -= int64(e.size)
	delete(s.cache, key)
}

func (s *diskState[V]) get(key []byte) (V, bool) {
	var zero V
	if e, ok := s.cache[string(key)]; ok {
		e.used = true
		if e.partial {
			return s.complete(key, e)
		}
		if e.absent {
			return zero, false
		}
		return e.v, true
	}
	if !s.written {
		return zero, false
	}
	raw, closer, err := s.sb.db.Get(s.dbKey(key))
	if errors.Is(err, pebble.ErrNotFound) {
		s.cached(key, nil, zero, true)
		return zero, false
	}
	if err != nil {
		s.fail(err)
		return zero, false
	}
	v, ok := s.decode(raw)
	closer.Close()
	if !ok {
		return zero, false
	}
	e := &diskEntry[V]{}
	s.cache[string(key)] = e
	s.cached(key, e, v, false)
	if s.codec.length != nil {
		e.stored = s.codec.length(v)
	}
	return v, true
}

// complete reads the rest of a partial list from the LSM: v is then
// what the LSM holds followed by the elements added since.
func (s *diskState[V]) complete(key []byte, e *diskEntry[V]) (V, bool) {
	var zero V
	v, stored := e.v, 0
	raw, closer, err := s.sb.db.Get(s.dbKey(key))
	switch {
	case errors.Is(err, pebble.ErrNotFound):
	case err != nil:
		s.fail(err)
		return zero, false
	default:
		old, ok := s.decode(raw)
		closer.Close()
		if !ok {
			return zero, false
		}
		stored = s.codec.length(old)
		v = s.codec.concat(old, v)
	}
	e.partial = false
	s.cached(key, e, v, false)
	e.stored = stored
	return v, true
}

func (s *diskState[V]) put(key []byte, v V) {
	s.written = true
	e := s.cache[string(key)]
	s.cached(key, e, v, false)
	e = s.cache[string(key)]
	e.dirty, e.grown, e.partial = true, false, false
}

// add appends more to key's list; writeOut appends the new elements to
// the LSM's value (a merge). A list changed in place since it was
// written is written whole; a list not cached is not read (partial).
func (s *diskState[V]) add(key []byte, more V) {
	if s.codec.tail == nil {
		v, _ := s.get(key)
		s.put(key, s.codec.concat(v, more))
		return
	}
	s.written = true
	e, ok := s.cache[string(key)]
	switch {
	case !ok:
		e = &diskEntry[V]{partial: true}
		s.cache[string(key)] = e
		s.cached(key, e, more, false)
		e.dirty, e.grown, e.stored = true, true, 0
	case e.dirty && !e.grown:
		var v V
		if !e.absent {
			v = e.v
		}
		s.put(key, s.codec.concat(v, more))
	default:
		v := e.v
		if e.absent {
			var zero V
			v, e.stored = zero, 0 // nothing in the LSM: appending writes it all
		}
		s.cached(key, e, s.codec.concat(v, more), false)
		e.dirty, e.grown = true, true
	}
}

func (s *diskState[V]) del(key []byte) {
	var zero V
	e := s.cache[string(key)]
	s.cached(key, e, zero, true)
	e = s.cache[string(key)]
	e.dirty, e.grown, e.partial = true, false, false
}

// writeOut writes the changed entries to the LSM; drop empties the cache.
func (s *diskState[V]) writeOut(drop bool) error {
	if s.err != nil {
		return s.err
	}
	b := s.sb.db.NewBatch()
	for k, e := range s.cache {
		if !e.dirty {
			continue
		}
		key := s.dbKey([]byte(k))
		var err error
		switch {
		case e.absent:
			err = b.Delete(key, nil)
			e.stored = 0
		case e.grown:
			s.enc.B = s.enc.B[:0]
			s.codec.tail(&s.enc, e.v, e.stored)
			err = b.Merge(key, s.enc.B, nil)
			e.stored, e.grown = s.codec.length(e.v), false
		default:
			s.enc.B = s.enc.B[:0]
			s.codec.enc(&s.enc, e.v)
			err = b.Set(key, s.enc.B, nil)
			if s.codec.length != nil {
				e.stored = s.codec.length(e.v)
			}
		}
		if err != nil {
			b.Close()
			s.fail(err)
			return s.err
		}
		e.dirty = false
		if e.partial {
			s.evict(k, e) // the LSM has it all; v was only the tail
		}
	}
	if !b.Empty() {
		if err := b.Commit(pebble.NoSync); err != nil {
			b.Close()
			s.fail(err)
			return s.err
		}
	}
	b.Close()
	if drop {
		s.dropCache()
	}
	return nil
}

func (s *diskState[V]) dropCache() {
	clear(s.cache)
	s.bytes = 0
}

// commit writes out the cache once it is over its budget (entries or
// bytes) and evicts the entries not used since the last eviction (second
// chance: hot keys stay decoded).
func (s *diskState[V]) commit() error {
	if s.err != nil || (len(s.cache) <= s.budget && s.bytes <= s.maxBytes) {
		return s.err
	}
	if s.writeOut(false) != nil {
		return s.err
	}
	for k, e := range s.cache {
		if e.used {
			e.used = false
		} else {
			s.evict(k, e)
		}
	}
	if len(s.cache) > 2*s.budget || s.bytes > s.maxBytes {
		s.dropCache() // everything was used: keep memory bounded
	}
	return nil
}

// scanGroup calls fn for the entries of key group g in the LSM (after a
// writeOut), preferring the cached value of a key.
func (s *diskState[V]) scanGroup(g int, fn func(key []byte, v V) bool) bool {
	lower := s.prefix(nil, g)
	upper := prefixEnd(lower)
	it, err := s.sb.db.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: upper})
	if err != nil {
		s.fail(err)
		return false
	}
	defer it.Close()
	visited := 0
	for it.First(); it.Valid(); it.Next() {
		key := append([]byte(nil), it.Key()[4:]...)
		var v V
		if e, ok := s.cache[string(key)]; ok {
			if e.absent {
				continue
			}
			v = e.v
		} else {
			raw, err := it.ValueAndErr()
			if err != nil {
				s.fail(err)
				return false
			}
			var ok bool
			if v, ok = s.decode(raw); !ok {
				return false
			}
		}
		if !fn(key, v) {
			return false
		}
		if visited++; visited%1024 == 0 && len(s.cache) > s.budget {
			if s.writeOut(true) != nil {
				return false
			}
		}
	}
	if err := it.Error(); err != nil {
		s.fail(err)
		return false
	}
	return true
}

func (s *diskState[V]) each(fn func(key []byte, v V) bool) {
	if s.writeOut(false) != nil {
		return
	}
	for g := 0; g < s.sb.cfg.maxParallelism(); g++ {
		if !s.scanGroup(g, fn) {
			return
		}
	}
}

func (s *diskState[V]) snapshot(e *types.Enc) error {
	if err := s.writeOut(false); err != nil {
		return err
	}
	if !s.sb.canonical {
		e.Uint(stateInLSM) // the job checkpoints the LSM
		return nil
	}
	err := writeCanonical(e, s.sb.cfg.maxParallelism(), s.codec, func(g int, fn func(key []byte, v V)) error {
		s.scanGroup(g, func(key []byte, v V) bool { fn(key, v); return true })
		return s.err
	})
	if err != nil {
		return err
	}
	return s.err
}

func (s *diskState[V]) restore(d *types.Dec) error {
	s.written = true // the LSM's checkpoint may hold entries
	err := readState(d, s.codec, func(key []byte, v V) {
		s.put(key, v)
		if len(s.cache) > s.budget {
			s.writeOut(true)
		}
	}, true)
	if err != nil {
		return err
	}
	return s.writeOut(true)
}
