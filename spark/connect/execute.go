package connect

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/types"
	"github.com/tumble/tumble/planner"
	jobs "github.com/tumble/tumble/session"
	"github.com/tumble/tumble/spark/connect/pb"
	"github.com/tumble/tumble/spark/plan"
	"github.com/tumble/tumble/sql"
)

func localZone() string {
	if z := time.Local.String(); z != "Local" && z != "" {
		return z
	}
	if tz := os.Getenv("TZ"); tz != "" {
		return tz
	}
	return "UTC"
}

// ExecutePlan runs a relation (rows back as Arrow batches) or a command.
func (s *Service) ExecutePlan(req *pb.ExecutePlanRequest, stream pb.SparkConnectService_ExecutePlanServer) error {
	ss := s.session(req.SessionId)
	opID := req.GetOperationId()
	if opID == "" {
		opID = newID()
	}
	send := func(r *pb.ExecutePlanResponse) error {
		r.SessionId, r.ServerSideSessionId, r.OperationId, r.ResponseId = req.SessionId, ss.serverSide, opID, newID()
		return stream.Send(r)
	}
	var err error
	switch p := req.GetPlan().GetOpType().(type) {
	case *pb.Plan_Root:
		err = s.executeRelation(stream.Context(), ss, p.Root, send)
	case *pb.Plan_Command:
		err = s.executeCommand(stream.Context(), ss, p.Command, send)
	default:
		err = errorf(plan.AnalysisException, "an empty plan")
	}
	if err != nil {
		return rpcError(err)
	}
	return send(&pb.ExecutePlanResponse{ResponseType: &pb.ExecutePlanResponse_ResultComplete_{ResultComplete: &pb.ExecutePlanResponse_ResultComplete{}}})
}

func (s *Service) executeRelation(ctx context.Context, ss *sparkSession, rel *pb.Relation, send func(*pb.ExecutePlanResponse) error) error {
	var show *pb.ShowString
	if sh := rel.GetShowString(); sh != nil {
		show = sh
		rel = sh.Input
	}
	tr := ss.translator("")
	f, err := tr.Relation(rel)
	if err != nil {
		return err
	}
	limit := -1
	if show != nil {
		limit = int(show.NumRows) + 1
	}
	rows, err := s.collect(ctx, ss, f, limit)
	if err != nil {
		return err
	}
	loc := tr.Loc()
	cols := f.Cols
	if show != nil {
		text := showString(f.Cols, rows, int(show.NumRows), int(show.Truncate), show.Vertical, loc)
		cols = []plan.Col{{Name: "show_string", Type: types.TString}}
		rows = []types.Row{{types.StringV(text)}}
	}
	data, err := encodeArrow(cols, rows, loc)
	if err != nil {
		return err
	}
	return send(&pb.ExecutePlanResponse{Schema: plan.SchemaProto(cols), ResponseType: &pb.ExecutePlanResponse_ArrowBatch_{
		ArrowBatch: &pb.ExecutePlanResponse_ArrowBatch{RowCount: int64(len(rows)), Data: data}}})
}

// collect runs a batch frame as a bounded job and returns its final rows
// (its changes applied), then the frame's row operations (sort, limit).
func (s *Service) collect(ctx context.Context, ss *sparkSession, f *plan.Frame, limit int) ([]types.Row, error) {
	if f.Streaming {
		return nil, &plan.Error{Exception: plan.AnalysisException, ErrorClass: "NON_TIME_WINDOW_NOT_SUPPORTED_IN_STREAMING",
			Msg: "Queries with streaming sources must be executed with writeStream.start();"}
	}
	var mu sync.Mutex
	var rows []types.Row
	sink := &engine.CollectSink{Fn: func(ctx context.Context, recs []engine.Rec) error {
		mu.Lock()
		defer mu.Unlock()
		for _, r := range recs {
			row := append(types.Row(nil), r.Row...)
			switch r.Kind {
			case engine.Insert, engine.UpdateAfter:
				rows = append(rows, row)
			case engine.UpdateBefore, engine.Delete:
				for i := len(rows) - 1; i >= 0; i-- {
					if rowEqual(rows[i], row) {
						rows = append(rows[:i], rows[i+1:]...)
						break
					}
				}
			}
		}
		return nil
	}}
	spec, err := ss.planner().BuildCollectJob(planner.Optimize(f.Node), sink)
	if err != nil {
		return nil, plan.AsError(err)
	}
	id := jobs.NewJobID()
	info := &jobs.JobInfo{ID: id, Name: "spark-collect", Dialect: sql.Spark, Transient: true}
	if err := s.cfg.Jobs.Start(info, spec); err != nil {
		return nil, err
	}
	defer s.cfg.Jobs.Remove(id)
	select {
	case <-info.Job.Done():
	case <-ctx.Done():
		info.Job.Stop()
		return nil, ctx.Err()
	}
	if err := info.Job.Err(); err != nil {
		return nil, &plan.Error{Exception: plan.SparkException, Msg: "Job aborted: " + err.Error()}
	}
	return applyPost(rows, f.Post), nil
}

func rowEqual(a, b types.Row) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].IsNull() != b[i].IsNull() || !a[i].IsNull() && types.Compare(a[i], b[i]) != 0 {
			return false
		}
	}
	return true
}

func applyPost(rows []types.Row, ops []plan.PostOp) []types.Row {
	for _, op := range ops {
		switch op.Kind {
		case "sort":
			sort.SliceStable(rows, func(i, j int) bool {
				for _, k := range op.Orders {
					a, b := rows[i][k.Col], rows[j][k.Col]
					if a.IsNull() || b.IsNull() {
						if a.IsNull() == b.IsNull() {
							continue
						}
						return a.IsNull() == k.NullsFirst
					}
					c := types.Compare(a, b)
					if c == 0 {
						continue
					}
					return (c < 0) != k.Desc
				}
				return false
			})
		case "limit":
			if op.N < len(rows) {
				rows = rows[:max(op.N, 0)]
			}
		case "offset":
			rows = rows[min(max(op.N, 0), len(rows)):]
		case "tail":
			if op.N < len(rows) {
				rows = rows[len(rows)-max(op.N, 0):]
			}
		case "project":
			for i := range rows {
				rows[i] = rows[i][:op.N]
			}
		}
	}
	return rows
}

func (s *Service) executeCommand(ctx context.Context, ss *sparkSession, cmd *pb.Command, send func(*pb.ExecutePlanResponse) error) error {
	switch c := cmd.CommandType.(type) {
	case *pb.Command_SqlCommand:
		// Newer clients send the query as a SQL relation in input.
		rel := c.SqlCommand.Input
		if rel == nil || rel.GetSql() == nil {
			rel = &pb.Relation{RelType: &pb.Relation_Sql{Sql: &pb.SQL{Query: c.SqlCommand.Sql}}}
		}
		if len(rel.GetSql().Args) > 0 || len(rel.GetSql().PosArgs) > 0 || len(rel.GetSql().NamedArguments) > 0 || len(rel.GetSql().PosArguments) > 0 {
			return &plan.Error{Exception: plan.AnalysisException, ErrorClass: "UNSUPPORTED_FEATURE", SQLState: "0A000", Msg: "spark.sql() with arguments is not supported by Tumble."}
		}
		if _, err := ss.translator("").Relation(rel); err != nil {
			return err
		}
		return send(&pb.ExecutePlanResponse{ResponseType: &pb.ExecutePlanResponse_SqlCommandResult_{SqlCommandResult: &pb.ExecutePlanResponse_SqlCommandResult{Relation: rel}}})
	case *pb.Command_CreateDataframeView:
		v := c.CreateDataframeView
		if _, err := ss.translator("").Relation(v.Input); err != nil {
			return err
		}
		name := strings.ToLower(v.Name)
		ss.mu.Lock()
		defer ss.mu.Unlock()
		if _, ok := ss.views[name]; ok && !v.Replace {
			return &plan.Error{Exception: plan.AnalysisException, ErrorClass: "TEMP_TABLE_OR_VIEW_ALREADY_EXISTS", SQLState: "42P07",
				Msg: fmt.Sprintf("Cannot create the temporary view `%s` because it already exists.", v.Name)}
		}
		ss.views[name] = v.Input
		return nil
	case *pb.Command_WriteStreamOperationStart:
		q, err := s.startQuery(ss, c.WriteStreamOperationStart)
		if err != nil {
			return err
		}
		return send(&pb.ExecutePlanResponse{ResponseType: &pb.ExecutePlanResponse_WriteStreamOperationStartResult{WriteStreamOperationStartResult: &pb.WriteStreamOperationStartResult{
			QueryId: &pb.StreamingQueryInstanceId{Id: q.id, RunId: q.runID}, Name: q.name}}})
	case *pb.Command_StreamingQueryCommand:
		res, err := s.queryCommand(ctx, c.StreamingQueryCommand)
		if err != nil {
			return err
		}
		return send(&pb.ExecutePlanResponse{ResponseType: &pb.ExecutePlanResponse_StreamingQueryCommandResult{StreamingQueryCommandResult: res}})
	case *pb.Command_StreamingQueryManagerCommand:
		res, err := s.managerCommand(ctx, c.StreamingQueryManagerCommand)
		if err != nil {
			return err
		}
		return send(&pb.ExecutePlanResponse{ResponseType: &pb.ExecutePlanResponse_StreamingQueryManagerCommandResult{StreamingQueryManagerCommandResult: res}})
	case *pb.Command_WriteOperation:
		return &plan.Error{Exception: plan.AnalysisException, ErrorClass: "UNSUPPORTED_FEATURE", SQLState: "0A000", Msg: "Batch writes (DataFrame.write) are not supported by Tumble; use writeStream."}
	}
	return &plan.Error{Exception: plan.AnalysisException, ErrorClass: "UNSUPPORTED_FEATURE", SQLState: "0A000", Msg: "This command is not supported by Tumble."}
}

// query is a running streaming query: a Tumble job.
type query struct {
	id, runID, name string
	info            *jobs.JobInfo
	started         time.Time
}

// checkpointMeta is what checkpointLocation/metadata holds: the query's id,
// which a restart keeps, as Spark does.
type checkpointMeta struct {
	ID string `json:"id"`
}

func (s *Service) startQuery(ss *sparkSession, w *pb.WriteStreamOperationStart) (*query, error) {
	if len(w.ProtoReflect().GetUnknown()) > 0 {
		// Fields of Spark's message that Tumble's protocol leaves out:
		// foreach_writer, foreach_batch, clustering_column_names.
		return nil, &plan.Error{Exception: plan.AnalysisException, ErrorClass: "UNSUPPORTED_FEATURE", SQLState: "0A000", Msg: "foreach, foreachBatch and clusterBy are not supported by Tumble; use format('kafka'), 'console' or 'noop'."}
	}
	if w.GetPath() != "" || w.GetTableName() != "" {
		return nil, &plan.Error{Exception: plan.AnalysisException, ErrorClass: "UNSUPPORTED_FEATURE", SQLState: "0A000", Msg: "Streaming to a path or a table is not supported by Tumble; use format('kafka'), 'console' or 'noop'."}
	}
	mode := strings.ToLower(w.OutputMode)
	if mode == "" {
		mode = "append"
	}
	if mode != "append" && mode != "update" && mode != "complete" {
		return nil, &plan.Error{Exception: plan.IllegalArgument, Msg: fmt.Sprintf("Unknown output mode %s. Accepted output modes are 'append', 'complete', 'update'", w.OutputMode)}
	}
	tr := ss.translator(mode)
	f, err := tr.Relation(w.Input)
	if err != nil {
		return nil, err
	}
	if !f.Streaming {
		return nil, &plan.Error{Exception: plan.AnalysisException, ErrorClass: "WRITE_STREAM_NOT_ALLOWED", SQLState: "42601", Msg: "'writeStream' can be called only on streaming Dataset/DataFrame."}
	}
	if mode == "complete" && !f.Aggregated {
		return nil, &plan.Error{Exception: plan.AnalysisException, ErrorClass: "STREAMING_OUTPUT_MODE.UNSUPPORTED_OPERATION", SQLState: "42KDE",
			Msg: "Complete output mode not supported when there are no streaming aggregations on streaming DataFrames/Datasets."}
	}
	if len(w.GetPartitioningColumnNames()) > 0 {
		tr.Warn(fmt.Sprintf("partitionBy(%s) is not applied: the %s sink does not partition by columns (nor does Spark's)", strings.Join(w.GetPartitioningColumnNames(), ", "), w.Format))
	}
	sink, err := tr.StreamSink(f, w.Format, w.Options)
	if err != nil {
		return nil, err
	}
	trigger, err := plan.StreamTrigger(w, tr)
	if err != nil {
		return nil, err
	}
	q := &query{id: newID(), runID: newID(), name: w.QueryName, started: time.Now()}
	ckpt := ""
	if sink.CheckpointLocation != "" {
		ckpt = sink.CheckpointLocation
		if s.cfg.CheckpointRoot != "" {
			ckpt = filepath.Join(s.cfg.CheckpointRoot, ckpt)
		}
		if err := os.MkdirAll(ckpt, 0o755); err != nil {
			return nil, &plan.Error{Exception: plan.SparkException, Msg: fmt.Sprintf("checkpointLocation %s: %v", sink.CheckpointLocation, err)}
		}
		meta := filepath.Join(ckpt, "metadata")
		if b, err := os.ReadFile(meta); err == nil {
			var m checkpointMeta
			if json.Unmarshal(b, &m) == nil && m.ID != "" {
				q.id = m.ID
			}
		} else {
			b, _ := json.Marshal(checkpointMeta{ID: q.id})
			if err := os.WriteFile(meta, append(b, '\n'), 0o644); err != nil {
				return nil, &plan.Error{Exception: plan.SparkException, Msg: fmt.Sprintf("checkpointLocation %s: %v", sink.CheckpointLocation, err)}
			}
		}
	}
	if old, ok := s.cfg.Jobs.Get(q.id); ok && old.Job != nil {
		select {
		case <-old.Job.Done():
			s.cfg.Jobs.Remove(q.id)
		default:
			return nil, &plan.Error{Exception: plan.IllegalArgument, ErrorClass: "CONCURRENT_QUERY", SQLState: "0A000",
				Msg: fmt.Sprintf("Cannot start query with id %s as another query with same id is already active. Perhaps you are attempting to restart a query from checkpoint that is already active.", q.id)}
		}
	}
	root := &planner.Sink{Input: planner.Optimize(sink.Plan.Input), Table: sink.Plan.Table}
	pl := ss.planner() // a restart rebuilds the job as it was planned
	build := func() (*engine.JobSpec, error) {
		spec, err := pl.BuildSinkJob(q.id, root)
		if err != nil {
			return nil, err
		}
		if ckpt != "" {
			spec.CheckpointDir = filepath.Join(ckpt, "tumble")
		}
		if trigger.Micro != nil {
			t := *trigger.Micro
			spec.Trigger = &t
		} else {
			spec.CheckpointInterval = trigger.CheckpointEvery
		}
		return spec, nil
	}
	spec, err := build()
	if err != nil {
		return nil, plan.AsError(err)
	}
	spec.Rebuild = build
	name := q.name
	if name == "" {
		name = "spark-query-" + q.id[:8]
	}
	q.info = &jobs.JobInfo{ID: q.id, Name: name, Statement: "writeStream.format(" + w.Format + ").outputMode(" + mode + ").start()", Dialect: sql.Spark, Sink: root.Table.Name}
	if err := s.cfg.Jobs.Start(q.info, spec); err != nil {
		return nil, plan.AsError(err)
	}
	s.mu.Lock()
	s.queries[q.id] = q
	s.mu.Unlock()
	s.cfg.Log.Info("spark streaming query started", "id", q.id, "name", name, "mode", mode, "checkpoint", ckpt)
	return q, nil
}

func (s *Service) lookup(id string) (*query, *jobs.JobInfo, error) {
	s.mu.Lock()
	q := s.queries[id]
	s.mu.Unlock()
	if q == nil {
		return nil, nil, &plan.Error{Exception: plan.IllegalArgument, Msg: fmt.Sprintf("Streaming query %s is not found", id)}
	}
	info, ok := s.cfg.Jobs.Get(id)
	if !ok {
		info = q.info
	}
	return q, info, nil
}

func active(info *jobs.JobInfo) bool {
	select {
	case <-info.Job.Done():
		return false
	default:
		return true
	}
}

func (s *Service) queryCommand(ctx context.Context, c *pb.StreamingQueryCommand) (*pb.StreamingQueryCommandResult, error) {
	q, info, err := s.lookup(c.GetQueryId().GetId())
	if err != nil {
		return nil, err
	}
	res := &pb.StreamingQueryCommandResult{QueryId: &pb.StreamingQueryInstanceId{Id: q.id, RunId: q.runID}}
	job := info.Job
	switch k := c.Command.(type) {
	case *pb.StreamingQueryCommand_Status:
		msg := "Waiting for data to arrive"
		if !active(info) {
			msg = "Stopped"
		}
		res.ResultType = &pb.StreamingQueryCommandResult_Status{Status: &pb.StreamingQueryCommandResult_StatusResult{
			StatusMessage: msg, IsActive: active(info), IsDataAvailable: false, IsTriggerActive: false}}
	case *pb.StreamingQueryCommand_LastProgress, *pb.StreamingQueryCommand_RecentProgress:
		var recent []string
		if p := progressJSON(q, info); p != "" {
			recent = []string{p}
		}
		res.ResultType = &pb.StreamingQueryCommandResult_RecentProgress{RecentProgress: &pb.StreamingQueryCommandResult_RecentProgressResult{
			RecentProgressJson: recent}}
	case *pb.StreamingQueryCommand_Stop:
		if err := s.cfg.Jobs.Stop(q.id, false); err != nil && active(info) {
			return nil, err
		}
	case *pb.StreamingQueryCommand_ProcessAllAvailable:
		if err := job.Sync(ctx); err != nil && active(info) {
			return nil, err
		}
	case *pb.StreamingQueryCommand_Explain:
		res.ResultType = &pb.StreamingQueryCommandResult_Explain{Explain: &pb.StreamingQueryCommandResult_ExplainResult{Result: info.Statement}}
	case *pb.StreamingQueryCommand_Exception:
		r := &pb.StreamingQueryCommandResult_ExceptionResult{}
		if job.Status() == engine.Failed && job.Err() != nil {
			msg := "org.apache.spark.sql.streaming.StreamingQueryException: " + job.Err().Error()
			class := "STREAM_FAILED"
			r.ExceptionMessage, r.ErrorClass = &msg, &class
		}
		res.ResultType = &pb.StreamingQueryCommandResult_Exception{Exception: r}
	case *pb.StreamingQueryCommand_AwaitTermination:
		terminated := true
		var timeout <-chan time.Time
		if k.AwaitTermination.TimeoutMs != nil {
			timer := time.NewTimer(time.Duration(*k.AwaitTermination.TimeoutMs) * time.Millisecond)
			defer timer.Stop()
			timeout = timer.C
		}
		select {
		case <-job.Done():
		case <-timeout:
			terminated = false
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if terminated && job.Status() == engine.Failed && job.Err() != nil {
			return nil, &plan.Error{Exception: plan.StreamingQueryError, ErrorClass: "STREAM_FAILED",
				Msg: fmt.Sprintf("Query %s [id = %s, runId = %s] terminated with exception: %v", q.name, q.id, q.runID, job.Err())}
		}
		res.ResultType = &pb.StreamingQueryCommandResult_AwaitTermination{AwaitTermination: &pb.StreamingQueryCommandResult_AwaitTerminationResult{Terminated: terminated}}
	default:
		return nil, &plan.Error{Exception: plan.UnsupportedOperation, Msg: "This streaming query command is not supported by Tumble."}
	}
	return res, nil
}

func (s *Service) managerCommand(ctx context.Context, c *pb.StreamingQueryManagerCommand) (*pb.StreamingQueryManagerCommandResult, error) {
	res := &pb.StreamingQueryManagerCommandResult{}
	s.mu.Lock()
	var qs []*query
	for _, q := range s.queries {
		qs = append(qs, q)
	}
	s.mu.Unlock()
	sort.Slice(qs, func(i, j int) bool { return qs[i].started.Before(qs[j].started) })
	inst := func(q *query) *pb.StreamingQueryManagerCommandResult_StreamingQueryInstance {
		name := q.name
		return &pb.StreamingQueryManagerCommandResult_StreamingQueryInstance{Id: &pb.StreamingQueryInstanceId{Id: q.id, RunId: q.runID}, Name: &name}
	}
	switch k := c.Command.(type) {
	case *pb.StreamingQueryManagerCommand_Active:
		ar := &pb.StreamingQueryManagerCommandResult_ActiveResult{}
		for _, q := range qs {
			if info, ok := s.cfg.Jobs.Get(q.id); ok && info.Job != nil && active(info) {
				ar.ActiveQueries = append(ar.ActiveQueries, inst(q))
			}
		}
		res.ResultType = &pb.StreamingQueryManagerCommandResult_Active{Active: ar}
	case *pb.StreamingQueryManagerCommand_GetQuery:
		for _, q := range qs {
			if q.id == k.GetQuery {
				res.ResultType = &pb.StreamingQueryManagerCommandResult_Query{Query: inst(q)}
				return res, nil
			}
		}
		return nil, &plan.Error{Exception: plan.IllegalArgument, Msg: fmt.Sprintf("Streaming query %s is not found", k.GetQuery)}
	case *pb.StreamingQueryManagerCommand_ResetTerminated:
		res.ResultType = &pb.StreamingQueryManagerCommandResult_ResetTerminated{ResetTerminated: true}
	case *pb.StreamingQueryManagerCommand_ListListeners:
		res.ResultType = &pb.StreamingQueryManagerCommandResult_ListListeners{ListListeners: &pb.StreamingQueryManagerCommandResult_ListStreamingQueryListenerResult{}}
	default:
		return nil, &plan.Error{Exception: plan.UnsupportedOperation, Msg: "This streaming query manager command is not supported by Tumble."}
	}
	return res, nil
}

// progressJSON is the StreamingQueryProgress of the job's last
// micro-batch ("" before the first).
func progressJSON(q *query, info *jobs.JobInfo) string {
	b, ok := info.Job.LastBatch()
	if !ok {
		return ""
	}
	m := info.Job.Metrics.Snapshot()
	ms := b.Duration.Milliseconds()
	rate := 0.0
	if ms > 0 {
		rate = float64(b.Rows) * 1000 / float64(ms)
	}
	p := map[string]any{
		"id": q.id, "runId": q.runID, "name": q.name, "timestamp": b.Start.UTC().Format("2006-01-02T15:04:05.000Z"),
		"batchId": b.ID, "batchDuration": ms, "numInputRows": b.Rows, "inputRowsPerSecond": 0.0, "processedRowsPerSecond": rate,
		"durationMs": map[string]int64{"triggerExecution": ms}, "eventTime": map[string]string{}, "stateOperators": []any{},
		"sources": []any{map[string]any{"description": "KafkaV2", "startOffset": nil, "endOffset": nil, "latestOffset": nil,
			"numInputRows": b.Rows, "inputRowsPerSecond": 0.0, "processedRowsPerSecond": rate}},
		"sink":            map[string]any{"description": info.Sink, "numOutputRows": m.RecordsOut},
		"observedMetrics": map[string]any{},
	}
	js, _ := json.Marshal(p)
	return string(js)
}
