package planner

// KSQLEntity is what ksqlDB's REST API answers for one statement; the
// planner fills it for ksqlDB-dialect statements so the server can render
// ksqlDB's JSON (the "@type" is Type).
type KSQLEntity struct {
	// Type is ksqlDB's entity type: currentStatus, streams, tables, queries,
	// properties, sourceDescription, queryDescription, kafka_topics,
	// queryPlan (EXPLAIN), or "" for statements without an entity.
	Type string
	// currentStatus
	CommandID string // e.g. stream/`S`/create
	Status    string // SUCCESS
	Message   string // e.g. "Stream created"
	QueryID   string // the persistent query started, if any
	// streams / tables
	Sources []SourceInfo
	// queries
	Queries []QueryInfo
	// properties
	Properties map[string]string
	// sourceDescription
	Source *SourceDescription
	// kafka_topics
	Topics []TopicInfo
}

// SourceInfo is one entry of SHOW STREAMS / SHOW TABLES.
type SourceInfo struct {
	Type        string // STREAM or TABLE
	Name        string
	Topic       string
	KeyFormat   string
	ValueFormat string
	IsWindowed  bool
}

// QueryInfo is one entry of SHOW QUERIES.
type QueryInfo struct {
	ID          string
	QueryString string
	Sinks       []string
	SinkTopics  []string
	QueryType   string // PERSISTENT or PUSH
	State       string // RUNNING, ERROR, ...
}

// FieldInfo is a column of DESCRIBE.
type FieldInfo struct {
	Name string
	Type string // ksqlDB type name, e.g. BIGINT, VARCHAR(STRING)...
	Key  string // "" or "KEY" / "PRIMARY"
}

// SourceDescription is DESCRIBE [EXTENDED] of a stream or table.
type SourceDescription struct {
	Name         string
	Type         string // STREAM or TABLE
	Fields       []FieldInfo
	Topic        string
	KeyFormat    string
	ValueFormat  string
	Timestamp    string
	Windowed     bool
	Partitions   int
	ReadQueries  []QueryInfo
	WriteQueries []QueryInfo
	Statement    string
	Extended     bool
}

// TopicInfo is one entry of SHOW TOPICS.
type TopicInfo struct {
	Name       string
	Partitions int
}
