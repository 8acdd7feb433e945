package engine

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"

	"github.com/tumble/tumble/engine/types"
)

// Savepoints. A savepoint is the state of a stopped job kept for a new
// job to start from (STOP JOB ... WITH SAVEPOINT, then SET
// 'execution.savepoint.path'): the source positions and each stateful
// operator's state, each under a state id that names what the state
// belongs to (JobSpec.StateIDs, Input.UID), so that a new job built from a
// changed statement finds the state of the operators it still has. It is
// written to DIR/savepoint-<job>-<random>/_metadata and never removed by
// Tumble.
//
// Restoring checks that every state of the savepoint is claimed by an
// operator or source of the new job with the same id; state nobody claims
// is an error unless JobSpec.IgnoreUnclaimed. Operators of the new job
// that the savepoint lacks start empty, new sources at their startup
// position.
var svpMagic = []byte("TMBLSVP1")

// SavepointFile is the name of a savepoint's metadata file in its
// directory.
const SavepointFile = "_metadata"

// Savepoint is a savepoint read back (ReadSavepoint).
type Savepoint struct {
	Path      string // the savepoint's directory
	JobID     string
	Statement string
	Watermark int64
	Inputs    []SavepointInput
	Ops       []SavepointOp
}

// SavepointInput is the position of a source.
type SavepointInput struct {
	UID    string
	Splits map[int32]SavepointSplit
}

// SavepointSplit is a split's next position and watermark.
type SavepointSplit struct{ Next, Watermark int64 }

// SavepointOp is an operator's state.
type SavepointOp struct {
	UID   string
	State []byte
}

// ErrSavepoint is wrapped by every error about a savepoint that cannot
// be used (missing, damaged, or not matching the job).
var ErrSavepoint = errors.New("savepoint")

func savepointErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrSavepoint, fmt.Sprintf(format, args...))
}

// ReadSavepoint reads the savepoint at path: its directory, or its
// _metadata file; a "file:" scheme is accepted.
func ReadSavepoint(path string) (*Savepoint, error) {
	p := strings.TrimPrefix(strings.TrimPrefix(path, "file://"), "file:")
	if p == "" {
		return nil, savepointErr("the savepoint path is empty")
	}
	st, err := os.Stat(p)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, savepointErr("savepoint '%s' does not exist", path)
		}
		return nil, savepointErr("savepoint '%s': %v", path, err)
	}
	dir, file := p, filepath.Join(p, SavepointFile)
	if !st.IsDir() {
		dir, file = filepath.Dir(p), p
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, savepointErr("'%s' is not a savepoint: it has no %s file", path, SavepointFile)
		}
		return nil, savepointErr("savepoint '%s': %v", path, err)
	}
	if len(raw) < len(svpMagic)+4 || !bytes.Equal(raw[:len(svpMagic)], svpMagic) {
		return nil, savepointErr("'%s' is not a Tumble savepoint", path)
	}
	body := raw[len(svpMagic)+4:]
	c := raw[len(svpMagic):]
	if crc32.ChecksumIEEE(body) != uint32(c[0])<<24|uint32(c[1])<<16|uint32(c[2])<<8|uint32(c[3]) {
		return nil, savepointErr("savepoint '%s' is damaged (checksum mismatch)", path)
	}
	d := &types.Dec{B: body}
	sp := &Savepoint{Path: dir}
	if v := d.Uint(); v != 1 {
		return nil, savepointErr("savepoint '%s' has format version %d, this Tumble reads version 1", path, v)
	}
	sp.JobID, sp.Statement, sp.Watermark = d.String(), d.String(), d.Int()
	for n := d.Uint(); n > 0 && d.Err == nil; n-- {
		in := SavepointInput{UID: d.String(), Splits: map[int32]SavepointSplit{}}
		for k := d.Uint(); k > 0 && d.Err == nil; k-- {
			id := int32(d.Int())
			in.Splits[id] = SavepointSplit{Next: d.Int(), Watermark: d.Int()}
		}
		sp.Inputs = append(sp.Inputs, in)
	}
	for n := d.Uint(); n > 0 && d.Err == nil; n-- {
		sp.Ops = append(sp.Ops, SavepointOp{UID: d.String(), State: d.Bytes()})
	}
	if d.Err != nil {
		return nil, savepointErr("savepoint '%s' is damaged: %v", path, d.Err)
	}
	return sp, nil
}

// inputUIDs and opUIDs are the state ids of a spec's inputs and stateful
// operators, in spec order; ids a planner did not give are derived from
// names and positions, and an id used twice gets "#2", "#3"... .
func (spec *JobSpec) inputUIDs() []string {
	out := make([]string, len(spec.Inputs))
	for i, in := range spec.Inputs {
		out[i] = in.UID
		if out[i] == "" {
			out[i] = "source " + in.Name
		}
	}
	return numbered(out)
}

func (spec *JobSpec) opUIDs() map[Op]string {
	var ops []Op
	var ids []string
	for i, op := range spec.Ops {
		if _, ok := op.(Snapshotter); !ok {
			continue
		}
		id := spec.StateIDs[op]
		if id == "" {
			id = fmt.Sprintf("operator %d (%T)", i, op)
		}
		ops, ids = append(ops, op), append(ids, id)
	}
	ids = numbered(ids)
	out := make(map[Op]string, len(ops))
	for i, op := range ops {
		out[op] = ids[i]
	}
	return out
}

func numbered(ids []string) []string {
	seen := map[string]int{}
	out := make([]string, len(ids))
	for i, id := range ids {
		seen[id]++
		out[i] = id
		if n := seen[id]; n > 1 {
			out[i] = fmt.Sprintf("%s #%d", id, n)
		}
	}
	return out
}

// writeSavepoint writes the job's current state as a savepoint under dir
// and returns the savepoint's directory. Called by the run goroutine
// between batches, after a checkpoint flushed (or committed) the sinks.
func (j *Job) writeSavepoint(dir string) (string, error) {
	e := &types.Enc{}
	e.Uint(1)
	e.String(j.spec.ID)
	e.String(j.spec.Statement)
	e.Int(j.emittedWM)
	uids := j.spec.inputUIDs()
	e.Uint(uint64(len(j.inputs)))
	for i, st := range j.inputs {
		e.String(uids[i])
		encodeSplits(e, st.splits)
	}
	opIDs := j.spec.opUIDs()
	e.Uint(uint64(len(opIDs)))
	// A savepoint holds every entry of keyed state, whatever the backend
	// (Flink's canonical savepoint format).
	if j.state != nil {
		j.state.canonical = true
		defer func() { j.state.canonical = false }()
	}
	for _, op := range j.spec.Ops {
		sn, ok := op.(Snapshotter)
		if !ok {
			continue
		}
		inner := &types.Enc{}
		if err := sn.Snapshot(inner); err != nil {
			return "", fmt.Errorf("savepoint: %w", err)
		}
		e.String(opIDs[op])
		e.Bytes(inner.B)
	}
	var rnd [6]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return "", err
	}
	short := j.spec.ID
	if len(short) > 6 {
		short = short[:6]
	}
	spDir, err := filepath.Abs(filepath.Join(dir, "savepoint-"+short+"-"+hex.EncodeToString(rnd[:])))
	if err != nil {
		return "", err
	}
	if err := writeAtomicMagic(spDir, SavepointFile, svpMagic, e.B); err != nil {
		return "", fmt.Errorf("write savepoint: %w", err)
	}
	return spDir, nil
}

// restoreSavepoint loads the spec's savepoint into the operators and
// returns the split states per input. It fails, before restoring
// anything, when state of the savepoint is claimed by nothing in the job
// (unless IgnoreUnclaimed), and when a claimed state does not fit its
// operator.
func (j *Job) restoreSavepoint(sp *Savepoint) ([]map[int32]*splitState, error) {
	out := make([]map[int32]*splitState, len(j.spec.Inputs))
	inUIDs := j.spec.inputUIDs()
	opIDs := j.spec.opUIDs()
	claims := map[string]bool{}
	for _, id := range inUIDs {
		claims[id] = true
	}
	for _, id := range opIDs {
		claims[id] = true
	}
	var unclaimed []string
	for _, in := range sp.Inputs {
		if !claims[in.UID] {
			unclaimed = append(unclaimed, in.UID)
		}
	}
	for _, op := range sp.Ops {
		if !claims[op.UID] {
			unclaimed = append(unclaimed, op.UID)
		}
	}
	if len(unclaimed) > 0 {
		if !j.spec.IgnoreUnclaimed {
			return nil, Permanent(savepointErr("savepoint '%s' holds state that no operator of the new job claims: %s. "+
				"The statement changed in a way that drops or changes that state; SET 'execution.savepoint.ignore-unclaimed-state' = 'true' to start without it, "+
				"or RESET 'execution.savepoint.path' to start from scratch",
				sp.Path, strings.Join(unclaimed, "; ")))
		}
		j.log.Warn("savepoint state that no operator claims is dropped", "savepoint", sp.Path, "state", strings.Join(unclaimed, "; "))
	}
	byUID := map[string]SavepointInput{}
	for _, in := range sp.Inputs {
		byUID[in.UID] = in
	}
	for i := range j.spec.Inputs {
		in, ok := byUID[inUIDs[i]]
		if !ok {
			continue
		}
		out[i] = map[int32]*splitState{}
		for id, s := range in.Splits {
			out[i][id] = &splitState{next: s.Next, wm: s.Watermark}
		}
	}
	states := map[string][]byte{}
	for _, op := range sp.Ops {
		states[op.UID] = op.State
	}
	for _, op := range j.spec.Ops {
		sn, ok := op.(Snapshotter)
		if !ok {
			continue
		}
		blob, ok := states[opIDs[op]]
		if !ok || len(blob) == 0 {
			continue
		}
		if err := restoreOp(sn, blob); err != nil {
			return nil, Permanent(savepointErr("savepoint '%s': the state of %s does not fit the new job's operator: %v", sp.Path, opIDs[op], err))
		}
	}
	j.emittedWM = sp.Watermark
	j.Metrics.Watermark.Store(j.emittedWM)
	j.log.Info("restored savepoint", "savepoint", sp.Path, "from job", sp.JobID)
	return out, nil
}

// restoreOp restores an operator's state, turning a decoder panic on
// state of another shape into an error.
func restoreOp(sn Snapshotter, blob []byte) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	d := &types.Dec{B: blob}
	if err := sn.Restore(d); err != nil {
		return err
	}
	if d.Err != nil {
		return d.Err
	}
	return nil
}

// StopWithSavepoint writes a savepoint of the job under dir and stops the
// job; it returns the savepoint's directory. With drain, the job first
// fires every window as if its input had ended (Flink's WITH DRAIN). The
// sinks are flushed (an exactly-once sink commits) before the savepoint
// is taken, so the savepoint and the output agree.
func (j *Job) StopWithSavepoint(ctx context.Context, dir string, drain bool) (string, error) {
	req := ctlReq{kind: ctlSavepoint, dir: dir, drain: drain, path: new(string), reply: make(chan error, 1)}
	select {
	case j.ctl <- req:
	case <-j.done:
		return "", fmt.Errorf("job %s is %s: a savepoint needs a running job", j.ID(), j.Status())
	case <-ctx.Done():
		return "", ctx.Err()
	}
	var err error
	select {
	case err = <-req.reply:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	if err != nil {
		return "", err
	}
	<-j.done
	return *req.path, nil
}

// Drain fires every window as if the input had ended, flushes, and stops
// the job (STOP JOB ... WITH DRAIN without a savepoint).
func (j *Job) Drain(ctx context.Context) error {
	req := ctlReq{kind: ctlDrain, reply: make(chan error, 1)}
	select {
	case j.ctl <- req:
	case <-j.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-req.reply:
		if err != nil {
			return err
		}
	case <-ctx.Done():
		return ctx.Err()
	}
	<-j.done
	return nil
}

// stopRequest serves a savepoint or drain request in the run goroutine.
// On success the job is cancelled; runOnce then ends the attempt.
func (j *Job) stopRequest(req ctlReq) error {
	if req.drain || req.kind == ctlDrain {
		if err := j.emitWatermark(MaxWatermark); err != nil {
			return err
		}
	}
	if err := j.checkpoint(); err != nil {
		return err
	}
	if req.kind == ctlSavepoint {
		path, err := j.writeSavepoint(req.dir)
		if err != nil {
			return err
		}
		*req.path = path
		j.log.Info("savepoint written; stopping the job", "savepoint", path)
	}
	j.cancel()
	return nil
}
