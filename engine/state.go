package engine

import (
	"fmt"
	"hash/fnv"

	"github.com/tumble/tumble/engine/types"
)

// Keyed state. The operators whose state grows with the number of keys
// (group aggregates, deduplication, Top-N, regular joins) keep it in a
// keyedState: a map from a key (the encoded key columns) to a value,
// behind one of two backends that the job chooses (JobSpec.State):
//
//   - the memory backend (memState) holds decoded values in a Go map, as
//     Flink's hashmap backend does; its snapshots encode every entry.
//   - the disk backend (diskState, state_disk.go) holds them in an
//     embedded LSM (Pebble), with a bounded cache of decoded entries in
//     front; its checkpoints are the LSM's new files (incremental).
//
// Key groups. Every key belongs to one of MaxParallelism key groups (a
// stable hash of the key modulo Flink's pipeline.max-parallelism, 128 by
// default). The disk backend stores a key under its key group first, so
// a key group's state of every operator is one contiguous key range; a
// canonical snapshot (memory checkpoints, savepoints) lists its entries
// key group by key group. A later scale-out moves whole key groups
// between processes; the number of key groups stays fixed for the life of
// a job's state.

// DefaultMaxParallelism is the number of key groups when none is set.
const DefaultMaxParallelism = 128

// MaxMaxParallelism is the largest number of key groups (Flink's bound).
const MaxMaxParallelism = 1 << 15

// StateBackendKind names where keyed state lives.
type StateBackendKind string

const (
	// MemoryState keeps keyed state on the Go heap (the default).
	MemoryState StateBackendKind = "memory"
	// DiskState keeps keyed state in an embedded LSM on local disk.
	DiskState StateBackendKind = "disk"
)

// StateConfig says where a job's keyed state lives. The zero value is the
// memory backend with 128 key groups.
type StateConfig struct {
	Backend StateBackendKind
	// MaxParallelism is the number of key groups (0: 128).
	MaxParallelism int
	// Dir is the disk backend's working directory; "" is a directory
	// beside the checkpoints (or a temporary one). It is emptied when the
	// job opens and removed when it closes.
	Dir string
	// BlockCacheSize, MemTableSize and MemTables size the LSM's block
	// cache and write buffers (0: 8 MiB, 64 MiB, 2, Flink's RocksDB
	// defaults).
	BlockCacheSize int64
	MemTableSize   int64
	MemTables      int
	// CacheEntries bounds each store's cache of decoded entries (0:
	// 20,000); it is written out to the LSM when full, between batches.
	CacheEntries int
	// CacheBytes bounds the memory of each store's cache of decoded
	// entries where their size is known (join rows; 0: 32 MiB).
	CacheBytes int64
}

func (c StateConfig) maxParallelism() int {
	if c.MaxParallelism <= 0 {
		return DefaultMaxParallelism
	}
	return c.MaxParallelism
}

// KeyGroup is the key group of an encoded key among n key groups. It is
// stable across processes and versions: checkpoints and a future
// repartitioning depend on it.
func KeyGroup(key []byte, n int) int {
	h := fnv.New32a()
	h.Write(key)
	return int(h.Sum32() % uint32(n))
}

// stateCodec encodes the values of a keyedState (disk entries, snapshots).
type stateCodec[V any] struct {
	enc func(e *types.Enc, v V)
	dec func(d *types.Dec) V
	// size, if set, is about how many bytes of memory a decoded value
	// takes: the disk backend bounds its cache of decoded values by their
	// size as well as by their number.
	size func(v V) int
	// For list values: tail encodes the elements from index from on as
	// enc encodes a whole list, length is the number of elements and
	// concat appends b's to a. The disk backend then writes a list that
	// only grew (keyedState.add) by appending its new elements to what
	// the LSM holds (a merge), not by writing it again, and reads a value
	// as the concatenation of such parts.
	tail   func(e *types.Enc, v V, from int)
	length func(v V) int
	concat func(a, b V) V
}

// keyedState is one operator's map of keyed state. Values are pointers or
// slices that operators change in place; after changing one an operator
// calls put, which the disk backend needs to write it out. The job's
// goroutine alone uses it.
type keyedState[V any] interface {
	// get returns the value of key.
	get(key []byte) (V, bool)
	// put sets the value of key (key is copied).
	put(key []byte, v V)
	// add appends the elements of more to key's list value (codec.concat):
	// the disk backend need not read the list to append to it.
	add(key []byte, more V)
	// del removes key.
	del(key []byte)
	// each calls fn for every entry, in no defined order, until fn
	// returns false; fn may put or delete the entry it is given.
	each(fn func(key []byte, v V) bool)
	// commit ends a batch of changes; the disk backend writes out its
	// cache once it is over its budget. It reports the first error of
	// the store (a disk backend's I/O error).
	commit() error
	// snapshot writes the state for a checkpoint or savepoint, restore
	// reads it back.
	snapshot(e *types.Enc) error
	restore(d *types.Dec) error
}

// Snapshot forms of a keyed state.
const (
	stateCanonical uint64 = 1 // every entry, key group by key group
	stateInLSM     uint64 = 2 // the entries are in the disk backend's checkpoint
)

// testStateBackend, set by tests only, is the backend of operators opened
// without one (unit tests that open operators by hand).
var testStateBackend *stateBackend

// backendOf is the state backend of an operator opened with c.
func backendOf(c *OpContext) *stateBackend {
	if c != nil && c.state != nil {
		return c.state
	}
	return testStateBackend
}

// onDisk is the disk backend of an operator opened with c, or nil.
func onDisk(c *OpContext) *stateBackend {
	if sb := backendOf(c); sb != nil && sb.db != nil {
		return sb
	}
	return nil
}

// newKeyedState is the keyed state an operator opened with c keeps; every
// call makes a new store (operators make theirs in Open, in a fixed
// order, so that a restarted job finds its stores again).
func newKeyedState[V any](c *OpContext, codec stateCodec[V]) keyedState[V] {
	sb := backendOf(c)
	if sb == nil || sb.db == nil {
		n := DefaultMaxParallelism
		if sb != nil {
			n = sb.cfg.maxParallelism()
		}
		return &memState[V]{codec: codec, groups: n, index: map[string]int{}}
	}
	return newDiskState(sb, codec)
}

// memState is the memory backend: an insertion-ordered hash table.
type memState[V any] struct {
	codec  stateCodec[V]
	groups int
	index  map[string]int
	keys   []string
	vals   []V
}

var _ keyedState[int] = (*memState[int])(nil)

func (m *memState[V]) get(key []byte) (V, bool) {
	if i, ok := m.index[string(key)]; ok {
		return m.vals[i], true
	}
	var zero V
	return zero, false
}

func (m *memState[V]) put(key []byte, v V) {
	if i, ok := m.index[string(key)]; ok {
		m.vals[i] = v
		return
	}
	k := string(key)
	m.index[k] = len(m.keys)
	m.keys = append(m.keys, k)
	m.vals = append(m.vals, v)
}

func (m *memState[V]) add(key []byte, more V) {
	v, _ := m.get(key)
	m.put(key, m.codec.concat(v, more))
}

func (m *memState[V]) del(key []byte) {
	i, ok := m.index[string(key)]
	if !ok {
		return
	}
	delete(m.index, string(key))
	last := len(m.keys) - 1
	if i != last {
		m.keys[i], m.vals[i] = m.keys[last], m.vals[last]
		m.index[m.keys[i]] = i
	}
	var zero V
	m.keys[last], m.vals[last] = "", zero
	m.keys, m.vals = m.keys[:last], m.vals[:last]
}

func (m *memState[V]) each(fn func(key []byte, v V) bool) {
	// Backwards, so that fn may delete the entry it is given (a delete
	// moves the last entry into its place, one already visited).
	for i := len(m.keys) - 1; i >= 0; i-- {
		if i >= len(m.keys) {
			continue
		}
		if !fn([]byte(m.keys[i]), m.vals[i]) {
			return
		}
	}
}

func (m *memState[V]) commit() error { return nil }

func (m *memState[V]) snapshot(e *types.Enc) error {
	byGroup := make([][]int, m.groups)
	for i, k := range m.keys {
		g := KeyGroup([]byte(k), m.groups)
		byGroup[g] = append(byGroup[g], i)
	}
	writeCanonical(e, m.groups, m.codec, func(g int, fn func(key []byte, v V)) error {
		for _, i := range byGroup[g] {
			fn([]byte(m.keys[i]), m.vals[i])
		}
		return nil
	})
	return nil
}

func (m *memState[V]) restore(d *types.Dec) error {
	return readState(d, m.codec, m.put, false)
}

// writeCanonical writes the canonical form of a keyed state: the number
// of key groups, then for each non-empty key group its number plus one,
// its entry count and its entries (key, value); a 0 ends the list. visit
// calls fn for each entry of key group g.
func writeCanonical[V any](e *types.Enc, groups int, codec stateCodec[V], visit func(g int, fn func(key []byte, v V)) error) error {
	e.Uint(stateCanonical)
	e.Uint(uint64(groups))
	var part types.Enc
	for g := 0; g < groups; g++ {
		part.B = part.B[:0]
		n := 0
		err := visit(g, func(key []byte, v V) {
			part.Bytes(key)
			codec.enc(&part, v)
			n++
		})
		if err != nil {
			return err
		}
		if n == 0 {
			continue
		}
		e.Uint(uint64(g) + 1)
		e.Uint(uint64(n))
		e.B = append(e.B, part.B...)
	}
	e.Uint(0)
	return nil
}

// readState reads a snapshot written by writeCanonical (entries go to put)
// or the disk backend's marker (which only the disk backend takes: inLSM).
func readState[V any](d *types.Dec, codec stateCodec[V], put func(key []byte, v V), inLSM bool) error {
	switch form := d.Uint(); {
	case d.Err != nil:
		return d.Err
	case form == stateInLSM:
		if inLSM {
			return nil
		}
		return fmt.Errorf("the checkpoint keeps this state in the disk state backend ('state.backend.type' = 'rocksdb'); set it again to restore it")
	case form != stateCanonical:
		return fmt.Errorf("unknown keyed state form %d", form)
	}
	d.Uint() // the key groups they were written with; keys are hashed again
	for d.Err == nil {
		if g := d.Uint(); g == 0 || d.Err != nil {
			break
		}
		m := d.Uint()
		for j := uint64(0); j < m && d.Err == nil; j++ {
			key := d.Bytes()
			v := codec.dec(d)
			if d.Err == nil {
				put(key, v)
			}
		}
	}
	return d.Err
}
