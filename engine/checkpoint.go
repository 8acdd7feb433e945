package engine

import (
	"bytes"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/tumble/tumble/engine/types"
)

// Checkpoint file layout: magic, CRC32 of the body, body. The body holds the
// checkpoint number, per input the split positions and watermarks, then one
// blob per operator (empty for stateless operators). Files are written to a
// temporary name, synced and renamed, so a crash leaves the previous
// checkpoint intact.
var ckptMagic = []byte("TMBLCKP1")

const ckptFile = "checkpoint"

// ErrNoCheckpoint means a job has no completed checkpoint yet.
var ErrNoCheckpoint = errors.New("no checkpoint")

func (j *Job) checkpoint() error {
	dir := j.spec.CheckpointDir
	if dir == "" {
		return errors.New("checkpoints are not enabled for this job")
	}
	start := time.Now()
	if err := j.flushAll(); err != nil {
		return fmt.Errorf("checkpoint flush: %w", err)
	}
	e := &types.Enc{}
	e.Int(j.Metrics.Checkpoints.Load() + 1)
	e.Int(j.emittedWM)
	e.Uint(uint64(len(j.inputs)))
	for _, st := range j.inputs {
		ids := make([]int32, 0, len(st.splits))
		for id := range st.splits {
			ids = append(ids, id)
		}
		sort.Slice(ids, func(a, b int) bool { return ids[a] < ids[b] })
		e.Uint(uint64(len(ids)))
		for _, id := range ids {
			s := st.splits[id]
			e.Int(int64(id))
			e.Int(s.next)
			e.Int(s.wm)
		}
	}
	e.Uint(uint64(len(j.spec.Ops)))
	for _, op := range j.spec.Ops {
		sn, ok := op.(Snapshotter)
		if !ok {
			e.Bytes(nil)
			continue
		}
		inner := &types.Enc{}
		if err := sn.Snapshot(inner); err != nil {
			return fmt.Errorf("snapshot: %w", err)
		}
		e.Bytes(inner.B)
	}
	if err := writeAtomic(dir, ckptFile, e.B); err != nil {
		return err
	}
	j.Metrics.Checkpoints.Add(1)
	j.lastCkpt = time.Now()
	for _, st := range j.inputs {
		if oc, ok := st.in.Source.(OffsetCommitter); ok {
			next := map[int32]int64{}
			for id, s := range st.splits {
				next[id] = s.next
			}
			if err := oc.CommitOffsets(j.ctx, next); err != nil {
				j.log.Warn("commit offsets", "source", st.in.Name, "err", err)
			}
		}
	}
	j.log.Debug("checkpoint", "n", j.Metrics.Checkpoints.Load(), "bytes", len(e.B), "took", time.Since(start))
	return nil
}

func writeAtomic(dir, name string, body []byte) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var buf bytes.Buffer
	buf.Write(ckptMagic)
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

func readCheckpoint(dir string) ([]byte, error) {
	raw, err := os.ReadFile(filepath.Join(dir, ckptFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, ErrNoCheckpoint
	}
	if err != nil {
		return nil, err
	}
	if len(raw) < len(ckptMagic)+4 || !bytes.Equal(raw[:len(ckptMagic)], ckptMagic) {
		return nil, fmt.Errorf("checkpoint in %s: bad header", dir)
	}
	p := raw[len(ckptMagic):]
	crc := uint32(p[0])<<24 | uint32(p[1])<<16 | uint32(p[2])<<8 | uint32(p[3])
	body := p[4:]
	if crc32.ChecksumIEEE(body) != crc {
		return nil, fmt.Errorf("checkpoint in %s: checksum mismatch", dir)
	}
	return body, nil
}

// restore loads the last checkpoint (if any) into the operators and returns
// the split states per input.
func (j *Job) restore() ([]map[int32]*splitState, error) {
	out := make([]map[int32]*splitState, len(j.spec.Inputs))
	if j.spec.CheckpointDir == "" {
		return out, nil
	}
	body, err := readCheckpoint(j.spec.CheckpointDir)
	if errors.Is(err, ErrNoCheckpoint) {
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	d := &types.Dec{B: body}
	n := d.Int()
	j.emittedWM = d.Int()
	j.Metrics.Watermark.Store(j.emittedWM)
	nIn := d.Uint()
	if nIn != uint64(len(j.spec.Inputs)) {
		return nil, fmt.Errorf("checkpoint has %d inputs, the job %d: the statement changed", nIn, len(j.spec.Inputs))
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
		return nil, fmt.Errorf("checkpoint has %d operators, the job %d: the statement changed", nOps, len(j.spec.Ops))
	}
	for _, op := range j.spec.Ops {
		blob := d.Bytes()
		if d.Err != nil {
			break
		}
		if sn, ok := op.(Snapshotter); ok && len(blob) > 0 {
			if err := sn.Restore(&types.Dec{B: blob}); err != nil {
				return nil, fmt.Errorf("restore operator state: %w", err)
			}
		}
	}
	if d.Err != nil {
		return nil, fmt.Errorf("checkpoint in %s: %w", j.spec.CheckpointDir, d.Err)
	}
	j.Metrics.Checkpoints.Store(n)
	j.log.Info("restored checkpoint", "n", n, "dir", j.spec.CheckpointDir)
	return out, nil
}
