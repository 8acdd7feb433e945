package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/tumble/tumble/engine/types"
)

// Checkpoints. A checkpoint holds the job watermark, per input the split
// positions and watermarks, and one state blob per operator; it is taken
// between batches, so state and positions agree. Each is written to
// DIR/checkpoint-<n> (temporary file, fsync, rename), so a crash leaves the
// previous one intact; older files are removed once a newer one is
// complete — for exactly-once sinks, once its transaction committed.
//
// With an exactly-once sink, checkpoint n commits the sink's transaction
// together with a marker "n committed". After a crash the job restores the
// checkpoint the last marker names: its output is exactly what is visible
// to read_committed consumers, so nothing is lost or doubled.
var ckptMagic = []byte("TMBLCKP1")

const ckptPrefix = "checkpoint-"

// ErrNoCheckpoint means a job has no completed checkpoint yet.
var ErrNoCheckpoint = errors.New("no checkpoint")

// txnSink returns the job's exactly-once sink, if it has one.
func (j *Job) txnSink() Transactional {
	for _, op := range j.spec.Ops {
		if so, ok := op.(*SinkOp); ok {
			if t, ok := so.Sink.(Transactional); ok && t.ExactlyOnce() {
				return t
			}
		}
	}
	return nil
}

func ckptName(n int64) string { return fmt.Sprintf("%s%020d", ckptPrefix, n) }

// checkpointFiles lists DIR's checkpoints, newest first.
func checkpointFiles(dir string) ([]int64, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []int64
	for _, e := range entries {
		if rest, ok := strings.CutPrefix(e.Name(), ckptPrefix); ok && !strings.Contains(rest, ".") {
			if n, err := strconv.ParseInt(rest, 10, 64); err == nil {
				out = append(out, n)
			}
		}
	}
	sort.Slice(out, func(a, b int) bool { return out[a] > out[b] })
	return out, nil
}

// takeCheckpoint takes checkpoint ckptNum+1; it returns the size of the
// state written.
func (j *Job) takeCheckpoint() (int, error) {
	start := time.Now()
	txn := j.txnSink()
	if txn == nil {
		if err := j.flushAll(); err != nil {
			return 0, fmt.Errorf("checkpoint flush: %w", err)
		}
	}
	n := j.ckptNum + 1
	size := 0
	if dir := j.spec.CheckpointDir; dir != "" {
		body, err := j.snapshot(n)
		if err != nil {
			return 0, err
		}
		if err := writeAtomic(dir, ckptName(n), body); err != nil {
			return 0, fmt.Errorf("write checkpoint: %w", err)
		}
		size = len(body)
	}
	if txn != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		err := txn.Commit(ctx, n)
		if err == nil {
			err = txn.Begin(ctx)
		}
		cancel()
		if err != nil {
			return 0, fmt.Errorf("commit checkpoint %d: %w", n, err)
		}
	}
	j.ckptNum = n
	if dir := j.spec.CheckpointDir; dir != "" {
		if old, err := checkpointFiles(dir); err == nil {
			for _, o := range old {
				if o < n {
					os.Remove(filepath.Join(dir, ckptName(o)))
				}
			}
		}
		if j.state != nil && j.state.db != nil {
			gcStateCheckpoints(filepath.Join(dir, stateRootDir), n, j.stateFiles)
			j.log.Debug("state checkpoint", "n", n, "new_bytes", j.state.newBytes, "files", len(j.stateFiles))
		}
	}
	j.Metrics.Checkpoints.Add(1)
	j.lastCkpt = time.Now()
	for _, st := range j.inputs {
		if oc, ok := st.in.Source.(OffsetCommitter); ok {
			next := map[int32]int64{}
			for id, s := range st.splits {
				next[id] = s.next
			}
			cctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			err := oc.CommitOffsets(cctx, next)
			cancel()
			if err != nil {
				j.log.Warn("commit offsets", "source", st.in.Name, "err", err)
			}
		}
	}
	j.log.Debug("checkpoint", "n", n, "took", time.Since(start))
	return size, nil
}

func (j *Job) snapshot(n int64) ([]byte, error) {
	e := &types.Enc{}
	e.Int(n)
	e.Int(j.emittedWM)
	e.Uint(uint64(len(j.inputs)))
	for _, st := range j.inputs {
		encodeSplits(e, st.splits)
	}
	if err := j.state.writeOutAll(); err != nil {
		return nil, fmt.Errorf("snapshot: %w", err)
	}
	e.Uint(uint64(len(j.spec.Ops)))
	sizes := make(map[Op]int, len(j.spec.Ops))
	for _, op := range j.spec.Ops {
		sn, ok := op.(Snapshotter)
		if !ok {
			e.Bytes(nil)
			continue
		}
		inner := &types.Enc{}
		if err := sn.Snapshot(inner); err != nil {
			return nil, fmt.Errorf("snapshot: %w", err)
		}
		e.Bytes(inner.B)
		sizes[op] = len(inner.B)
	}
	for _, n := range j.spec.Graph {
		if size, ok := sizes[n.Op]; ok && n.Op != nil {
			n.Stats.StateBytes.Store(int64(size))
		}
	}
	// The disk backend's keyed state: its LSM checkpoint, named by the
	// files it needs (absent with the memory backend).
	if j.state != nil && j.state.db != nil {
		files, err := j.state.checkpoint(filepath.Join(j.spec.CheckpointDir, stateRootDir), n)
		if err != nil {
			return nil, err
		}
		j.stateFiles = files
		e.Uint(1)
		e.Uint(uint64(len(files)))
		for _, f := range files {
			e.String(f)
		}
	}
	return e.B, nil
}

// encodeSplits writes the splits' positions and watermarks, by split id.
func encodeSplits(e *types.Enc, splits map[int32]*splitState) {
	ids := make([]int32, 0, len(splits))
	for id := range splits {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(a, b int) bool { return ids[a] < ids[b] })
	e.Uint(uint64(len(ids)))
	for _, id := range ids {
		s := splits[id]
		e.Int(int64(id))
		e.Int(s.next)
		e.Int(s.wm)
	}
}

func writeAtomic(dir, name string, body []byte) error {
	return writeAtomicMagic(dir, name, ckptMagic, body)
}

// writeAtomicMagic writes magic, a CRC-32 of body and body to dir/name
// through a synced temporary file renamed into place.
func writeAtomicMagic(dir, name string, magic, body []byte) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var buf bytes.Buffer
	buf.Write(magic)
	crc := crc32.ChecksumIEEE(body)
	buf.Write([]byte{byte(crc >> 24), byte(crc >> 16), byte(crc >> 8), byte(crc)})
	buf.Write(body)
	tmp, err := os.CreateTemp(dir, name+".tmp*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(buf.Bytes()); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, name)); err != nil {
		return err
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

func readCheckpoint(dir string, n int64) ([]byte, error) {
	raw, err := os.ReadFile(filepath.Join(dir, ckptName(n)))
	if errors.Is(err, os.ErrNotExist) {
		return nil, ErrNoCheckpoint
	}
	if err != nil {
		return nil, err
	}
	if len(raw) < len(ckptMagic)+4 || !bytes.Equal(raw[:len(ckptMagic)], ckptMagic) {
		return nil, fmt.Errorf("checkpoint %d in %s: bad header", n, dir)
	}
	p := raw[len(ckptMagic):]
	crc := uint32(p[0])<<24 | uint32(p[1])<<16 | uint32(p[2])<<8 | uint32(p[3])
	body := p[4:]
	if crc32.ChecksumIEEE(body) != crc {
		return nil, fmt.Errorf("checkpoint %d in %s: checksum mismatch", n, dir)
	}
	return body, nil
}

// restore loads the checkpoint to resume from into the operators and
// returns the split states per input. With an exactly-once sink that is
// the checkpoint its last committed transaction names; otherwise the
// newest readable one.
func (j *Job) restore(ctx context.Context) ([]map[int32]*splitState, error) {
	out := make([]map[int32]*splitState, len(j.spec.Inputs))
	dir := j.spec.CheckpointDir
	want := int64(-2) // newest
	if txn := j.txnSink(); txn != nil {
		lctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		lc, err := txn.LastCommitted(lctx)
		cancel()
		if err != nil {
			return nil, fmt.Errorf("read the last committed checkpoint: %w", err)
		}
		want = lc
		if lc >= 0 {
			j.ckptNum = lc
		}
	}
	// A job without checkpoints of its own starts from its savepoint, if
	// it has one.
	fresh := func() ([]map[int32]*splitState, error) {
		if j.state != nil && j.state.db != nil && dir != "" {
			gcStateCheckpoints(filepath.Join(dir, stateRootDir), -1, nil)
		}
		if path := j.spec.SavepointPath; path != "" {
			sp, err := ReadSavepoint(path)
			if err != nil {
				return nil, Permanent(err)
			}
			return j.restoreSavepoint(sp)
		}
		return out, nil
	}
	if dir == "" {
		return fresh()
	}
	files, err := checkpointFiles(dir)
	if err != nil {
		return nil, err
	}
	if want == -1 {
		// No transaction ever committed: whatever is on disk never became
		// visible; start from scratch.
		if len(files) > 0 && files[0] > 1 {
			// Checkpoint n is taken only after n-1 committed, so the sink
			// lost the markers it once wrote (its topic deleted, another
			// broker): what was already visible is written again.
			j.log.Warn("the sink names no committed checkpoint, yet checkpoints were committed before; starting from scratch, so output already committed repeats",
				"newest_on_disk", files[0], "dir", dir)
		}
		for _, n := range files {
			os.Remove(filepath.Join(dir, ckptName(n)))
		}
		return fresh()
	}
	var body []byte
	for _, n := range files {
		if want >= 0 && n != want {
			if n > want {
				os.Remove(filepath.Join(dir, ckptName(n))) // its transaction never committed
			}
			continue
		}
		b, err := readCheckpoint(dir, n)
		if err != nil {
			j.log.Warn("skipping unreadable checkpoint", "n", n, "err", err)
			if want >= 0 {
				return nil, Permanent(err)
			}
			continue
		}
		body = b
		break
	}
	if body == nil {
		if want >= 0 {
			return nil, Permanent(fmt.Errorf("checkpoint %d committed its output, but %s does not hold it", want, dir))
		}
		return fresh()
	}
	d := &types.Dec{B: body}
	n := d.Int()
	j.ckptNum = n
	j.emittedWM = d.Int()
	j.Metrics.Watermark.Store(j.emittedWM)
	nIn := d.Uint()
	if nIn != uint64(len(j.spec.Inputs)) {
		j.log.Warn("the statement changed since the checkpoint (inputs differ); starting without it", "n", n)
		return make([]map[int32]*splitState, len(j.spec.Inputs)), nil
	}
	for i := range out {
		out[i] = map[int32]*splitState{}
		ns := d.Uint()
		for k := uint64(0); k < ns && d.Err == nil; k++ {
			id := int32(d.Int())
			out[i][id] = &splitState{next: d.Int(), wm: d.Int()}
		}
	}
	nOps := d.Uint()
	if nOps != uint64(len(j.spec.Ops)) {
		// CREATE OR REPLACE changed the plan: keep the source positions,
		// start the operators empty.
		j.log.Warn("the statement changed since the checkpoint (operators differ); resuming its input positions with empty state", "n", n)
		j.Metrics.Checkpoints.Store(n)
		return out, nil
	}
	blobs := make([][]byte, len(j.spec.Ops))
	for i := range j.spec.Ops {
		blobs[i] = d.Bytes()
	}
	// The disk backend's LSM checkpoint, if the job had one.
	var stateFiles []string
	inLSM := len(d.B) > 0 && d.Uint() == 1
	if inLSM {
		nf := d.Uint()
		for i := uint64(0); i < nf && d.Err == nil; i++ {
			stateFiles = append(stateFiles, d.String())
		}
	}
	if d.Err != nil {
		return nil, Permanent(fmt.Errorf("checkpoint %d in %s: %w", n, dir, d.Err))
	}
	root := filepath.Join(dir, stateRootDir)
	switch {
	case inLSM && (j.state == nil || j.state.db == nil):
		return nil, Permanent(fmt.Errorf("checkpoint %d in %s keeps its keyed state in the disk state backend: set 'state.backend.type' = 'rocksdb' to restore it", n, dir))
	case inLSM:
		if err := j.state.restoreFrom(root, n, stateFiles); err != nil {
			return nil, Permanent(fmt.Errorf("restore checkpoint %d: %w", n, err))
		}
		j.stateFiles = stateFiles
		gcStateCheckpoints(root, n, stateFiles)
	case j.state != nil && j.state.db != nil:
		gcStateCheckpoints(root, -1, nil)
	}
	for i, op := range j.spec.Ops {
		if sn, ok := op.(Snapshotter); ok && len(blobs[i]) > 0 {
			if err := sn.Restore(&types.Dec{B: blobs[i]}); err != nil {
				return nil, Permanent(fmt.Errorf("restore operator state: %w", err))
			}
		}
	}
	j.Metrics.Checkpoints.Store(n)
	j.log.Info("restored checkpoint", "n", n, "dir", dir)
	return out, nil
}
