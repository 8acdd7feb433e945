package server

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// The catalog is kept as a replayable log of the statements that changed
// it: every accepted statement that created, replaced or dropped an object
// or started or stopped a job, with its dialect, the session properties in
// force and the id of the job it started. Replaying the log in order on a
// fresh catalog rebuilds the catalog and restarts the jobs under their old
// ids, so each job resumes from its checkpoint under DataDir/jobs/<id>.
//
// The file is JSON lines, one entry per line, appended and fsynced before
// the client hears that its statement was accepted. A torn last line (a
// crash mid-write) is ignored. When the file holds many dead entries it is
// compacted: rewritten, atomically, with only the entries a replay still
// needs (see live).

// Entry kinds.
const (
	kindStatement = "statement" // a statement, replayed as written
	kindStop      = "stop"      // jobs stopped through the API (DELETE /v1/jobs/{id})
	kindFinished  = "finished"  // a bounded job that ran to its end
)

// entry is one record of the command log.
type entry struct {
	Seq        int64             `json:"seq"`
	Time       time.Time         `json:"time"`
	Kind       string            `json:"kind"`
	Dialect    string            `json:"dialect,omitempty"`
	Statement  string            `json:"statement,omitempty"`
	Properties map[string]string `json:"properties,omitempty"`
	// JobID is the job the statement started (replayed with this id).
	JobID string `json:"job_id,omitempty"`
	// Creates and Drops name the catalog objects the statement created (or
	// replaced) and dropped; Stops the jobs it stopped.
	Creates []string `json:"creates,omitempty"`
	Drops   []string `json:"drops,omitempty"`
	Stops   []string `json:"stops,omitempty"`
	// Catalog and Database are the current ones the statement ran in
	// (Flink's USE), when not the default ones.
	Catalog  string `json:"catalog,omitempty"`
	Database string `json:"database,omitempty"`
}

// commandLog is the catalog's log file. Safe for concurrent use.
type commandLog struct {
	mu      sync.Mutex
	path    string
	f       *os.File
	entries []entry
	nextSeq int64
	log     *slog.Logger
	// compactAt: compact when the file holds more entries than this and
	// more than twice the live ones.
	compactAt int
	// memory: the log has no file (a server over a caller's catalog and
	// jobs, which persist nothing).
	memory bool
}

// memoryCommandLog is a log that keeps its entries in memory only.
func memoryCommandLog(log *slog.Logger) *commandLog {
	return &commandLog{log: log, nextSeq: 1, compactAt: 64, memory: true}
}

// openCommandLog reads the log at path (creating it if missing) and opens
// it for appending.
func openCommandLog(path string, log *slog.Logger) (*commandLog, error) {
	l := &commandLog{path: path, log: log, nextSeq: 1, compactAt: 64}
	raw, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("command log: %w", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(make([]byte, 0, 64*1024), 64<<20)
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		var e entry
		if err := json.Unmarshal(b, &e); err != nil {
			// A torn last line after a crash, or a damaged one: skip it.
			log.Warn("command log: skipping an unreadable entry", "file", path, "line", line, "err", err)
			continue
		}
		l.entries = append(l.entries, e)
		l.nextSeq = max(l.nextSeq, e.Seq+1)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("command log %s: %w", path, err)
	}
	if len(raw) > 0 && raw[len(raw)-1] != '\n' {
		// Rewrite so that the next append starts on a line of its own.
		if err := l.rewrite(l.entries); err != nil {
			return nil, err
		}
	}
	if err := l.openAppend(); err != nil {
		return nil, err
	}
	return l, nil
}

func (l *commandLog) openAppend() error {
	f, err := os.OpenFile(l.path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("command log: %w", err)
	}
	l.f = f
	return nil
}

// Entries returns a copy of the entries, oldest first.
func (l *commandLog) Entries() []entry {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]entry(nil), l.entries...)
}

// LastSeq returns the sequence number of the newest entry (0 if none).
func (l *commandLog) LastSeq() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.nextSeq - 1
}

// Append gives e the next sequence number, writes it and syncs the file.
// It returns the sequence number. The entry counts only once written.
func (l *commandLog) Append(e entry) (int64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil && !l.memory {
		return 0, errors.New("command log is closed")
	}
	e.Seq = l.nextSeq
	if e.Time.IsZero() {
		e.Time = time.Now().UTC()
	}
	if !l.memory {
		b, err := json.Marshal(e)
		if err != nil {
			return 0, err
		}
		b = append(b, '\n')
		if _, err := l.f.Write(b); err != nil {
			return 0, fmt.Errorf("command log: %w", err)
		}
		if err := l.f.Sync(); err != nil {
			return 0, fmt.Errorf("command log: %w", err)
		}
	}
	l.nextSeq++
	l.entries = append(l.entries, e)
	if len(l.entries) > l.compactAt {
		keep := live(l.entries)
		n := 0
		for _, k := range keep {
			if k {
				n++
			}
		}
		if len(l.entries) > 2*n {
			if err := l.compactLocked(keep); err != nil {
				l.log.Warn("command log: compaction failed", "err", err)
			}
		}
	}
	return e.Seq, nil
}

// Compact rewrites the file with the live entries only.
func (l *commandLog) Compact() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return errors.New("command log is closed")
	}
	return l.compactLocked(live(l.entries))
}

func (l *commandLog) compactLocked(keep []bool) error {
	var kept []entry
	for i, e := range l.entries {
		if keep[i] {
			kept = append(kept, e)
		}
	}
	if len(kept) == len(l.entries) {
		return nil
	}
	if l.memory {
		l.entries = kept
		return nil
	}
	if err := l.rewrite(kept); err != nil {
		return err
	}
	l.f.Close()
	l.f = nil
	if err := l.openAppend(); err != nil {
		return err
	}
	l.log.Info("command log compacted", "entries", len(l.entries), "kept", len(kept))
	l.entries = kept
	return nil
}

// rewrite replaces the file with entries: written to a temporary file,
// synced, renamed over the old one, and the directory synced.
func (l *commandLog) rewrite(entries []entry) error {
	var buf bytes.Buffer
	for _, e := range entries {
		b, err := json.Marshal(e)
		if err != nil {
			return err
		}
		buf.Write(b)
		buf.WriteByte('\n')
	}
	dir := filepath.Dir(l.path)
	tmp, err := os.CreateTemp(dir, filepath.Base(l.path)+".tmp*")
	if err != nil {
		return fmt.Errorf("command log: %w", err)
	}
	_, werr := tmp.Write(buf.Bytes())
	if werr == nil {
		werr = tmp.Sync()
	}
	if cerr := tmp.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(tmp.Name(), l.path)
	}
	if werr != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("command log: %w", werr)
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// Close closes the file.
func (l *commandLog) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}

// live reports, per entry, whether a replay still needs it.
//
// An entry is live if it created an object that still exists (no later
// entry replaced or dropped it), or started a job that still should run
// (no later entry stopped it, started another job under its id, or
// recorded that it finished). Dead entries are still needed when a live
// entry comes between them and their end: that entry ran against a catalog
// holding their object (an INSERT reading a table dropped later). And a
// kept entry needs whatever ended it: the drop, replacement or stop that
// follows it, or a replay would leave its object or job behind.
func live(entries []entry) []bool {
	n := len(entries)
	const never = -1
	// objectEnd[i][k]: index of the entry that ended entries[i].Creates[k].
	objectEnd := make([][]int, n)
	jobEnd := make([]int, n)
	for i := range entries {
		jobEnd[i] = never
		objectEnd[i] = make([]int, len(entries[i].Creates))
		for k := range objectEnd[i] {
			objectEnd[i][k] = never
		}
	}
	lastCreator := map[string][2]int{} // name -> entry, index in Creates
	jobOwner := map[string]int{}       // job id -> entry that started it
	for i, e := range entries {
		for _, name := range e.Drops {
			if c, ok := lastCreator[name]; ok {
				objectEnd[c[0]][c[1]] = i
				delete(lastCreator, name)
			}
		}
		for k, name := range e.Creates {
			if c, ok := lastCreator[name]; ok {
				objectEnd[c[0]][c[1]] = i
			}
			lastCreator[name] = [2]int{i, k}
		}
		ended := e.Stops
		if e.Kind == kindFinished && e.JobID != "" {
			ended = append(ended[:len(ended):len(ended)], e.JobID)
		}
		for _, id := range ended {
			if o, ok := jobOwner[id]; ok {
				jobEnd[o] = i
				delete(jobOwner, id)
			}
		}
		if e.Kind == kindStatement && e.JobID != "" {
			if o, ok := jobOwner[e.JobID]; ok {
				jobEnd[o] = i
			}
			jobOwner[e.JobID] = i
		}
	}
	keep := make([]bool, n)
	for i, e := range entries {
		if e.Kind == kindStatement && e.JobID != "" && jobEnd[i] == never {
			keep[i] = true
		}
		for _, end := range objectEnd[i] {
			if end == never {
				keep[i] = true
			}
		}
	}
	// Grow the kept set until it is closed under the two rules above.
	for changed := true; changed; {
		changed = false
		mark := func(i int) {
			if i != never && !keep[i] {
				keep[i] = true
				changed = true
			}
		}
		for i := range entries {
			if keep[i] {
				for _, end := range objectEnd[i] {
					mark(end)
				}
				mark(jobEnd[i])
				continue
			}
			for _, end := range objectEnd[i] {
				if end == never {
					continue
				}
				for j := i + 1; j < end; j++ {
					if keep[j] {
						mark(i)
						break
					}
				}
			}
		}
	}
	return keep
}

// jobLive reports, for the entries of a replay, whether the job an entry
// started should run again (it was not stopped, replaced or finished).
func jobLive(entries []entry) []bool {
	out := make([]bool, len(entries))
	owner := map[string]int{}
	for i, e := range entries {
		ended := e.Stops
		if e.Kind == kindFinished && e.JobID != "" {
			ended = append(ended[:len(ended):len(ended)], e.JobID)
		}
		for _, id := range ended {
			if o, ok := owner[id]; ok {
				out[o] = false
				delete(owner, id)
			}
		}
		if e.Kind == kindStatement && e.JobID != "" {
			if o, ok := owner[e.JobID]; ok {
				out[o] = false
			}
			owner[e.JobID] = i
			out[i] = true
		}
	}
	return out
}
