package planner

import (
	"log/slog"
	"time"

	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/planner/dialect"
	"github.com/tumble/tumble/sql"
)

// Planner plans one dialect's statements over a catalog with the settings
// of one moment: it runs DDL against the catalog, binds queries, applies
// the rules and builds jobs. A session makes one per statement (its
// settings a snapshot), and a job keeps its statement's Planner to be
// rebuilt on restart exactly as it was planned, whatever the session has
// SET since. The catalog is shared and safe for concurrent use; a
// Planner's other fields are read-only.
type Planner struct {
	Catalog *Catalog
	// Path is the session's current catalog and database (USE), which
	// complete unqualified names; the zero Path is DefaultPath.
	Path     Path
	Registry *engine.Registry
	// Dialect is what the statements mean; Syntax parses them.
	Dialect dialect.Dialect
	Syntax  sql.Dialect
	// Settings are the session settings in force (never modified).
	Settings map[string]string
	// Bootstrap is the default Kafka bootstrap servers; DataDir, when set,
	// keeps job checkpoints under DataDir/jobs/<id>.
	Bootstrap string
	DataDir   string
	// KafkaProperties are the default cluster's client properties beyond
	// bootstrap.servers (Config.KafkaProperties).
	KafkaProperties map[string]string
	Log             *slog.Logger
	// Clock is the wall clock of the queries (Config.Clock; nil: time.Now).
	Clock func() time.Time
}

// Setting returns a setting in force (an alias reads the key it stands
// for).
func (pl *Planner) Setting(key string) (string, bool) {
	v, ok := pl.Settings[CanonicalSetting(key)]
	return v, ok
}

// withSetting returns a copy of the planner with one setting changed.
func (pl *Planner) WithSetting(key, value string) *Planner {
	c := *pl
	c.Settings = make(map[string]string, len(pl.Settings)+1)
	for k, v := range pl.Settings {
		c.Settings[k] = v
	}
	c.Settings[CanonicalSetting(key)] = value
	return &c
}
