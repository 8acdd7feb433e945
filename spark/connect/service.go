// Package connect serves Spark Connect's gRPC service over Tumble's
// catalog, planner and engine: a PySpark client (pyspark-client, or
// SparkSession.builder.remote("sc://host:port")) sends DataFrame plans;
// batch plans run as bounded jobs whose rows go back as Arrow IPC batches,
// streaming plans (writeStream.start()) become Tumble jobs, listed with
// the others and stoppable from either side.
package connect

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/planner"
	jobs "github.com/tumble/tumble/session"
	"github.com/tumble/tumble/spark/connect/pb"
	"github.com/tumble/tumble/spark/plan"
	"github.com/tumble/tumble/sql"
)

// SparkVersion is the Spark version the server reports.
const SparkVersion = "4.0.1"

// Config is what the service needs from its process.
type Config struct {
	Catalog  *planner.Catalog
	Registry *engine.Registry
	Jobs     *jobs.JobManager
	// KafkaProperties are the default cluster's client properties.
	KafkaProperties map[string]string
	Bootstrap       string
	// DataDir keeps checkpoints of queries without a checkpointLocation.
	DataDir string
	// CheckpointRoot, when set, is prefixed to every checkpointLocation
	// (tests keep a job's fixed path inside their own directory).
	CheckpointRoot string
	Log            *slog.Logger
}

// Service implements Spark Connect's SparkConnectService.
type Service struct {
	pb.UnimplementedSparkConnectServiceServer
	cfg      Config
	mu       sync.Mutex
	sessions map[string]*sparkSession
	queries  map[string]*query // by query id
}

// New returns the service.
func New(cfg Config) *Service {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	return &Service{cfg: cfg, sessions: map[string]*sparkSession{}, queries: map[string]*query{}}
}

// Register adds the service to a gRPC server.
func (s *Service) Register(g *grpc.Server) { pb.RegisterSparkConnectServiceServer(g, s) }

// NewGRPCServer returns a gRPC server with the service, accepting the large
// messages Spark clients send.
func (s *Service) NewGRPCServer() *grpc.Server {
	g := grpc.NewServer(grpc.MaxRecvMsgSize(128<<20), grpc.MaxSendMsgSize(128<<20))
	s.Register(g)
	return g
}

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// sparkSession is one client session: its configuration and views.
type sparkSession struct {
	id         string
	serverSide string
	mu         sync.Mutex
	conf       map[string]string
	views      map[string]*pb.Relation
	cfg        *Config
}

// planner plans with the Spark dialect over the shared catalog. Spark
// checkpoints each micro-batch; Tumble checkpoints every second, so a
// restart repeats little.
func (ss *sparkSession) planner() *planner.Planner {
	return &planner.Planner{Catalog: ss.cfg.Catalog, Registry: ss.cfg.Registry, Dialect: planner.DialectOf(sql.Spark), Syntax: sql.Spark,
		Settings: map[string]string{"execution.checkpointing.interval": "1s"}, Bootstrap: ss.cfg.Bootstrap, DataDir: ss.cfg.DataDir,
		KafkaProperties: ss.cfg.KafkaProperties, Log: ss.cfg.Log}
}

func (s *Service) session(id string) *sparkSession {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ss, ok := s.sessions[id]; ok {
		return ss
	}
	ss := &sparkSession{id: id, serverSide: newID(), conf: map[string]string{}, views: map[string]*pb.Relation{}, cfg: &s.cfg}
	s.sessions[id] = ss
	return ss
}

func (ss *sparkSession) get(key string) (string, bool) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	v, ok := ss.conf[key]
	if !ok {
		v, ok = defaults[key]
	}
	return v, ok
}

func (ss *sparkSession) translator(mode string) *plan.Translator {
	ss.mu.Lock()
	views := make(map[string]*pb.Relation, len(ss.views))
	for k, v := range ss.views {
		views[k] = v
	}
	ss.mu.Unlock()
	log := ss.cfg.Log
	return &plan.Translator{Planner: ss.planner(), Conf: ss.get, Views: views, OutputMode: mode,
		Warn: func(msg string) { log.Warn("spark connect: " + msg) }}
}

// defaults are the configuration values a client reads.
var defaults = map[string]string{
	"spark.sql.session.timeZone":                        localZone(),
	"spark.sql.ansi.enabled":                            "false",
	"spark.sql.caseSensitive":                           "false",
	"spark.sql.execution.arrow.maxRecordsPerBatch":      "10000",
	"spark.sql.repl.eagerEval.enabled":                  "false",
	"spark.sql.pyspark.inferNestedDictAsStruct.enabled": "false",
}

// rpcError turns an error into a status the client shows as an
// exception (AnalysisException, ParseException, ...): an ErrorInfo with
// the exception's classes, as Spark's server sends.
func rpcError(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := status.FromError(err); ok && status.Code(err) != codes.Unknown {
		return err
	}
	e := plan.AsError(err)
	classes, _ := json.Marshal(hierarchy(e.Exception))
	params, _ := json.Marshal(map[string]string{})
	info := &errdetails.ErrorInfo{Reason: e.Exception, Domain: "org.apache.spark", Metadata: map[string]string{
		"classes": string(classes), "errorClass": e.ErrorClass, "sqlState": e.SQLState, "messageParameters": string(params),
	}}
	code := codes.InvalidArgument
	if e.Exception == plan.StreamingQueryError || e.Exception == plan.SparkException {
		code = codes.Internal
	}
	st, _ := status.New(code, e.Error()).WithDetails(info)
	return st.Err()
}

func hierarchy(exc string) []string {
	switch exc {
	case plan.ParseException:
		return []string{exc, plan.AnalysisException, "java.lang.Exception", "java.lang.Throwable"}
	case plan.StreamingQueryError:
		return []string{exc, "org.apache.spark.SparkThrowable", "java.lang.Exception", "java.lang.Throwable"}
	}
	return []string{exc, "java.lang.Exception", "java.lang.Throwable"}
}

func errorf(class, format string, args ...any) error {
	return &plan.Error{Exception: class, Msg: fmt.Sprintf(format, args...)}
}

// AnalyzePlan answers schema, explain, printSchema and the other analyses.
func (s *Service) AnalyzePlan(ctx context.Context, req *pb.AnalyzePlanRequest) (*pb.AnalyzePlanResponse, error) {
	ss := s.session(req.SessionId)
	resp := &pb.AnalyzePlanResponse{SessionId: req.SessionId, ServerSideSessionId: ss.serverSide}
	frame := func(p *pb.Plan) (*plan.Frame, error) {
		if p.GetRoot() == nil {
			return nil, errorf(plan.AnalysisException, "a relation is expected")
		}
		return ss.translator("").Relation(p.GetRoot())
	}
	switch a := req.Analyze.(type) {
	case *pb.AnalyzePlanRequest_Schema_:
		f, err := frame(a.Schema.Plan)
		if err != nil {
			return nil, rpcError(err)
		}
		resp.Result = &pb.AnalyzePlanResponse_Schema_{Schema: &pb.AnalyzePlanResponse_Schema{Schema: plan.SchemaProto(f.Cols)}}
	case *pb.AnalyzePlanRequest_TreeString_:
		f, err := frame(a.TreeString.Plan)
		if err != nil {
			return nil, rpcError(err)
		}
		resp.Result = &pb.AnalyzePlanResponse_TreeString_{TreeString: &pb.AnalyzePlanResponse_TreeString{TreeString: plan.TreeString(f.Cols)}}
	case *pb.AnalyzePlanRequest_IsStreaming_:
		f, err := frame(a.IsStreaming.Plan)
		if err != nil {
			return nil, rpcError(err)
		}
		resp.Result = &pb.AnalyzePlanResponse_IsStreaming_{IsStreaming: &pb.AnalyzePlanResponse_IsStreaming{IsStreaming: f.Streaming}}
	case *pb.AnalyzePlanRequest_IsLocal_:
		resp.Result = &pb.AnalyzePlanResponse_IsLocal_{IsLocal: &pb.AnalyzePlanResponse_IsLocal{}}
	case *pb.AnalyzePlanRequest_InputFiles_:
		resp.Result = &pb.AnalyzePlanResponse_InputFiles_{InputFiles: &pb.AnalyzePlanResponse_InputFiles{}}
	case *pb.AnalyzePlanRequest_SparkVersion_:
		resp.Result = &pb.AnalyzePlanResponse_SparkVersion_{SparkVersion: &pb.AnalyzePlanResponse_SparkVersion{Version: SparkVersion}}
	case *pb.AnalyzePlanRequest_Explain_:
		mode := "update"
		f, err := ss.translator(mode).Relation(a.Explain.Plan.GetRoot())
		if err != nil {
			return nil, rpcError(err)
		}
		text := "== Physical Plan ==\n" + planner.Explain(planner.Optimize(f.Node))
		resp.Result = &pb.AnalyzePlanResponse_Explain_{Explain: &pb.AnalyzePlanResponse_Explain{ExplainString: text}}
	case *pb.AnalyzePlanRequest_DdlParse:
		t, err := plan.ParseSchema(a.DdlParse.DdlString)
		if err != nil {
			if t2, err2 := plan.ParseType(a.DdlParse.DdlString); err2 == nil {
				t, err = t2, nil
			}
		}
		if err != nil {
			return nil, rpcError(err)
		}
		resp.Result = &pb.AnalyzePlanResponse_DdlParse{DdlParse: &pb.AnalyzePlanResponse_DDLParse{Parsed: plan.ToProto(t)}}
	case *pb.AnalyzePlanRequest_SameSemantics_:
		same := fmt.Sprint(a.SameSemantics.TargetPlan) == fmt.Sprint(a.SameSemantics.OtherPlan)
		resp.Result = &pb.AnalyzePlanResponse_SameSemantics_{SameSemantics: &pb.AnalyzePlanResponse_SameSemantics{Result: same}}
	case *pb.AnalyzePlanRequest_SemanticHash_:
		h := int32(0)
		for _, c := range fmt.Sprint(a.SemanticHash.Plan) {
			h = h*31 + int32(c)
		}
		resp.Result = &pb.AnalyzePlanResponse_SemanticHash_{SemanticHash: &pb.AnalyzePlanResponse_SemanticHash{Result: h}}
	default:
		return nil, rpcError(errorf(plan.UnsupportedOperation, "This analysis (%T) is not supported by Tumble.", req.Analyze))
	}
	return resp, nil
}

// Config reads and changes the session's configuration.
func (s *Service) Config(ctx context.Context, req *pb.ConfigRequest) (*pb.ConfigResponse, error) {
	ss := s.session(req.SessionId)
	resp := &pb.ConfigResponse{SessionId: req.SessionId, ServerSideSessionId: ss.serverSide}
	kv := func(k string, v *string) *pb.KeyValue { return &pb.KeyValue{Key: k, Value: v} }
	op := req.GetOperation()
	switch o := op.GetOpType().(type) {
	case *pb.ConfigRequest_Operation_Set:
		for _, p := range o.Set.Pairs {
			if p.Key == "spark.sql.session.timeZone" {
				tr := &plan.Translator{Conf: func(string) (string, bool) { return p.GetValue(), true }}
				if tr.Loc().String() == "Local" && p.GetValue() != "Local" {
					return nil, rpcError(errorf(plan.IllegalArgument, "[INVALID_CONF_VALUE.TIME_ZONE] The value '%s' in the config \"spark.sql.session.timeZone\" is invalid. Cannot resolve the given timezone.", p.GetValue()))
				}
			}
			ss.mu.Lock()
			ss.conf[p.Key] = p.GetValue()
			ss.mu.Unlock()
		}
	case *pb.ConfigRequest_Operation_Get:
		for _, k := range o.Get.Keys {
			v, ok := ss.get(k)
			if !ok {
				return nil, rpcError(&plan.Error{Exception: "java.util.NoSuchElementException", ErrorClass: "SQL_CONF_NOT_FOUND", SQLState: "42K0I",
					Msg: fmt.Sprintf("The SQL config \"%s\" cannot be found. Please verify that the config exists.", k)})
			}
			resp.Pairs = append(resp.Pairs, kv(k, &v))
		}
	case *pb.ConfigRequest_Operation_GetWithDefault:
		for _, p := range o.GetWithDefault.Pairs {
			if v, ok := ss.get(p.Key); ok {
				resp.Pairs = append(resp.Pairs, kv(p.Key, &v))
			} else {
				resp.Pairs = append(resp.Pairs, kv(p.Key, p.Value))
			}
		}
	case *pb.ConfigRequest_Operation_GetOption:
		for _, k := range o.GetOption.Keys {
			if v, ok := ss.get(k); ok {
				resp.Pairs = append(resp.Pairs, kv(k, &v))
			} else {
				resp.Pairs = append(resp.Pairs, kv(k, nil))
			}
		}
	case *pb.ConfigRequest_Operation_GetAll:
		ss.mu.Lock()
		all := map[string]string{}
		for k, v := range defaults {
			all[k] = v
		}
		for k, v := range ss.conf {
			all[k] = v
		}
		ss.mu.Unlock()
		for k, v := range all {
			if o.GetAll.Prefix == nil || len(k) >= len(*o.GetAll.Prefix) && k[:len(*o.GetAll.Prefix)] == *o.GetAll.Prefix {
				v := v
				resp.Pairs = append(resp.Pairs, kv(k, &v))
			}
		}
	case *pb.ConfigRequest_Operation_Unset:
		ss.mu.Lock()
		for _, k := range o.Unset.Keys {
			delete(ss.conf, k)
		}
		ss.mu.Unlock()
	case *pb.ConfigRequest_Operation_IsModifiable:
		for _, k := range o.IsModifiable.Keys {
			v := "true"
			resp.Pairs = append(resp.Pairs, kv(k, &v))
		}
	default:
		return nil, rpcError(errorf(plan.UnsupportedOperation, "This configuration operation is not supported."))
	}
	return resp, nil
}

// Interrupt stops running operations (not streaming queries, which run
// until stopped).
func (s *Service) Interrupt(ctx context.Context, req *pb.InterruptRequest) (*pb.InterruptResponse, error) {
	ss := s.session(req.SessionId)
	return &pb.InterruptResponse{SessionId: req.SessionId, ServerSideSessionId: ss.serverSide}, nil
}

// ReleaseExecute frees an operation's buffered responses (operations here
// send everything before they end, so there is nothing to keep).
func (s *Service) ReleaseExecute(ctx context.Context, req *pb.ReleaseExecuteRequest) (*pb.ReleaseExecuteResponse, error) {
	ss := s.session(req.SessionId)
	id := req.OperationId
	return &pb.ReleaseExecuteResponse{SessionId: req.SessionId, ServerSideSessionId: ss.serverSide, OperationId: &id}, nil
}

// ReattachExecute: an operation's responses all went out before it
// ended, so a reattach finds it complete.
func (s *Service) ReattachExecute(req *pb.ReattachExecuteRequest, stream pb.SparkConnectService_ReattachExecuteServer) error {
	ss := s.session(req.SessionId)
	return stream.Send(&pb.ExecutePlanResponse{SessionId: req.SessionId, ServerSideSessionId: ss.serverSide, OperationId: req.OperationId,
		ResponseId: newID(), ResponseType: &pb.ExecutePlanResponse_ResultComplete_{ResultComplete: &pb.ExecutePlanResponse_ResultComplete{}}})
}

// ReleaseSession forgets a session.
func (s *Service) ReleaseSession(ctx context.Context, req *pb.ReleaseSessionRequest) (*pb.ReleaseSessionResponse, error) {
	s.mu.Lock()
	ss := s.sessions[req.SessionId]
	delete(s.sessions, req.SessionId)
	s.mu.Unlock()
	side := ""
	if ss != nil {
		side = ss.serverSide
	}
	return &pb.ReleaseSessionResponse{SessionId: req.SessionId, ServerSideSessionId: side}, nil
}
