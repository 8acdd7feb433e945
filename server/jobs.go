package server

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/types"
	"github.com/tumble/tumble/session"
)

// The detail of GET /v1/jobs/{id}, for the console's job page: the plan as
// a graph with each node's counters, where each input stands against its
// sources' end offsets, the checkpoint history and the exceptions.

// PlanNode is one node of a job's plan with its live counters.
type PlanNode struct {
	ID     int    `json:"id"`
	Name   string `json:"name"`
	Detail string `json:"detail"`
	// Inputs are the ids of the nodes that feed this one.
	Inputs             []int   `json:"inputs"`
	RecordsIn          int64   `json:"records_in"`
	RecordsOut         int64   `json:"records_out"`
	LateRecordsDropped int64   `json:"late_records_dropped"`
	Watermark          *int64  `json:"watermark"`
	WatermarkTime      *string `json:"watermark_time"`
	// StateBytes is the size of the node's state in the last checkpoint
	// (null before one, or for nodes without state).
	StateBytes *int64 `json:"state_bytes"`
}

// CheckpointInfo is one checkpoint of a job.
type CheckpointInfo struct {
	ID         int64     `json:"id"`
	Time       time.Time `json:"time"`
	DurationMS float64   `json:"duration_ms"`
	Bytes      int64     `json:"bytes"`
	Error      string    `json:"error,omitempty"`
}

// ExceptionInfo is an error a job met.
type ExceptionInfo struct {
	Time    time.Time `json:"time"`
	Message string    `json:"message"`
}

// InputInfo is where one input of a job stands.
type InputInfo struct {
	Name       string          `json:"name"`
	Lag        *int64          `json:"lag"`
	Partitions []PartitionInfo `json:"partitions"`
}

// PartitionInfo is one split of an input: the next offset the job reads
// and the partition's end (null when the source cannot tell).
type PartitionInfo struct {
	Partition int32  `json:"partition"`
	Offset    int64  `json:"offset"`
	End       *int64 `json:"end"`
}

// JobDetail is GET /v1/jobs/{id}: the job's status and metrics with its
// plan, inputs, checkpoints and exceptions.
type JobDetail struct {
	JobStatus
	Plan        []PlanNode       `json:"plan"`
	Inputs      []InputInfo      `json:"inputs"`
	Checkpoints []CheckpointInfo `json:"checkpoint_history"`
	Exceptions  []ExceptionInfo  `json:"exceptions"`
}

// progressTimeout bounds how long a status answer waits for a job to tell
// where its inputs stand (a busy job answers between two batches).
const progressTimeout = 2 * time.Second

// withProgress fills the lag of each job, asking the jobs at the same time.
func withProgress(ctx context.Context, jobs []*session.JobInfo, out []JobStatus) [][]engine.InputPosition {
	pos := make([][]engine.InputPosition, len(jobs))
	ctx, cancel := context.WithTimeout(ctx, progressTimeout)
	defer cancel()
	var wg sync.WaitGroup
	for i, j := range jobs {
		switch j.Job.Status() {
		case engine.Running, engine.Paused:
		default:
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			p, err := j.Job.Positions(ctx)
			if err != nil {
				return
			}
			pos[i] = p
			var lag int64
			known := false
			for _, in := range p {
				if in.End != nil {
					known = true
					lag += in.Lag()
				}
			}
			if known {
				out[i].Lag = &lag
			}
		}()
	}
	wg.Wait()
	return pos
}

func jobDetail(j *session.JobInfo, st JobStatus, pos []engine.InputPosition) JobDetail {
	d := JobDetail{JobStatus: st, Plan: []PlanNode{}, Inputs: []InputInfo{}, Checkpoints: []CheckpointInfo{}, Exceptions: []ExceptionInfo{}}
	for _, n := range j.Job.Graph() {
		p := PlanNode{ID: n.ID, Name: n.Name, Detail: n.Detail, Inputs: n.Inputs,
			RecordsIn: n.Stats.In.Load(), RecordsOut: n.Stats.Out.Load(), LateRecordsDropped: n.Stats.LateDropped.Load()}
		if p.Inputs == nil {
			p.Inputs = []int{}
		}
		if n.ID == 0 && n.Name == "Sink" {
			p.RecordsOut = st.Metrics.RecordsOut // what the sink wrote
		}
		p.Watermark, p.WatermarkTime = watermarkOf(n.Watermark())
		if b := n.Stats.StateBytes.Load(); b >= 0 {
			p.StateBytes = &b
		}
		d.Plan = append(d.Plan, p)
	}
	for _, in := range pos {
		info := InputInfo{Name: in.Name, Partitions: []PartitionInfo{}}
		if in.End != nil {
			lag := in.Lag()
			info.Lag = &lag
		}
		for split, next := range in.Next {
			pi := PartitionInfo{Partition: split, Offset: next}
			if end, ok := in.End[split]; ok {
				pi.End = &end
			}
			info.Partitions = append(info.Partitions, pi)
		}
		sortBy(info.Partitions, func(p PartitionInfo) int64 { return int64(p.Partition) })
		d.Inputs = append(d.Inputs, info)
	}
	for _, c := range j.Job.Checkpoints() {
		d.Checkpoints = append(d.Checkpoints, CheckpointInfo{ID: c.ID, Time: c.Time.UTC(), DurationMS: float64(c.Duration.Microseconds()) / 1000, Bytes: c.Bytes, Error: c.Err})
	}
	for _, e := range j.Job.Exceptions() {
		d.Exceptions = append(d.Exceptions, ExceptionInfo{Time: e.Time.UTC(), Message: e.Message})
	}
	return d
}

// watermarkOf renders a watermark: nil before the first one (and for the
// end of input).
func watermarkOf(wm int64) (*int64, *string) {
	if wm == engine.MinWatermark || wm == engine.MaxWatermark {
		return nil, nil
	}
	text := types.FormatTimestamp(wm, 3, ' ')
	return &wm, &text
}

// handleJob is GET /v1/jobs/{id}.
func (s *Server) handleJob(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	j, ok := s.jobs.Get(id)
	if !ok || j.Transient {
		s.fail(w, r, http.StatusNotFound, errNoJob(id))
		return
	}
	st := []JobStatus{jobStatus(j)}
	pos := withProgress(r.Context(), []*session.JobInfo{j}, st)
	writeJSON(w, http.StatusOK, "", jobDetail(j, st[0], pos[0]))
}
