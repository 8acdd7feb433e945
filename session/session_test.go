package session

import (
	"testing"
	"time"

	"github.com/tumble/tumble/sql"
)

// TestSessionSettingAliases: a value SET under a deprecated key is read
// under the key it stands for, and RESET of either name clears it.
func TestSessionSettingAliases(t *testing.T) {
	s := New(Config{Dialect: sql.Flink})
	if _, err := s.Apply("restart-strategy", "none"); err != nil {
		t.Fatal(err)
	}
	if v, _ := s.Setting("restart-strategy.type"); v != "none" {
		t.Errorf("restart-strategy.type = %q, want none", v)
	}
	if _, err := s.Apply("table.dml-sync", "perhaps"); err == nil {
		t.Error("a bad value was accepted")
	}
	if _, ok := s.Setting("table.dml-sync"); ok {
		t.Error("a refused value was stored")
	}
}

// TestSessionClockReachesThePlanner: Config.Clock is the clock of the
// session's plans (CURRENT_TIMESTAMP, processing-time windows).
func TestSessionClockReachesThePlanner(t *testing.T) {
	fixed := time.UnixMilli(42)
	s := New(Config{Dialect: sql.Flink, Clock: func() time.Time { return fixed }})
	if pl := s.planner(); pl.Clock == nil || !pl.Clock().Equal(fixed) {
		t.Fatal("the session's clock does not reach its planner")
	}
}
