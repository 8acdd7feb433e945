package planner

import (
	"strconv"
	"strings"

	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/sql"
)

// groupWindowEmit reads Flink's experimental emit settings of legacy group
// windows (GROUP BY TUMBLE/HOP/SESSION(...)): early firing before the
// watermark passes a window's end, late firing after it within the allowed
// lateness (engine.EmitStrategy). As in Flink, session windows refuse
// early and late firing (and ignore the allowed lateness), late firing
// needs an allowed lateness, and an enabled firing needs its delay. Early
// firing of processing-time windows is not supported.
func (pl *Planner) groupWindowEmit(kind string, proctime bool, pos sql.Pos) (engine.EmitStrategy, error) {
	var s engine.EmitStrategy
	enabled := func(key string) bool {
		v, _ := pl.dialectSetting(key)
		return strings.EqualFold(strings.TrimSpace(v), "true")
	}
	delay := func(what, key string) (int64, error) {
		v, ok := pl.dialectSetting(key)
		if !ok {
			return 0, sql.Errorf(pos, "%s firing is enabled but '%s' is not set (0 fires after every row)", what, key)
		}
		d, err := parseDuration(v)
		if err != nil || d < 0 {
			return 0, sql.Errorf(pos, "'%s' must be a duration of 0 or more, not '%s'", key, v)
		}
		return d.Microseconds(), nil
	}
	var err error
	if s.EarlyFire = enabled("table.exec.emit.early-fire.enabled"); s.EarlyFire {
		if s.EarlyDelay, err = delay("Early", "table.exec.emit.early-fire.delay"); err != nil {
			return s, err
		}
	}
	if s.LateFire = enabled("table.exec.emit.late-fire.enabled"); s.LateFire {
		if s.LateDelay, err = delay("Late", "table.exec.emit.late-fire.delay"); err != nil {
			return s, err
		}
	}
	if v, ok := pl.dialectSetting("table.exec.emit.allow-lateness"); ok {
		d, err := parseDuration(v)
		if err != nil || d < 0 {
			return s, sql.Errorf(pos, "'table.exec.emit.allow-lateness' must be a duration of 0 or more, not '%s'", v)
		}
		s.AllowLateness = d.Microseconds()
	}
	switch {
	case kind == "SESSION" && (s.EarlyFire || s.LateFire):
		return s, sql.Errorf(pos, "Session window doesn't support EMIT strategy currently ('table.exec.emit.early-fire.enabled' / 'late-fire.enabled')")
	case kind == "SESSION":
		s.AllowLateness = 0 // Flink ignores it for session windows
	case proctime && (s.EarlyFire || s.LateFire):
		return s, sql.Errorf(pos, "early and late firing ('table.exec.emit.*') of processing-time group windows is not supported; use an event-time attribute")
	case proctime:
		s.AllowLateness = 0 // no late rows in processing time
	case s.LateFire && s.AllowLateness <= 0:
		return s, sql.Errorf(pos, "late firing ('table.exec.emit.late-fire.enabled') needs 'table.exec.emit.allow-lateness' greater than 0")
	}
	return s, nil
}

// emitString renders an emit strategy as Flink's plans do, e.g. "early
// delay 1000 millisecond, late no delay"; "" for none.
func emitString(s engine.EmitStrategy) string {
	part := func(on bool, delay int64) string {
		if !on {
			return ""
		}
		if delay > 0 {
			return "delay " + strconv.FormatInt(delay/1000, 10) + " millisecond"
		}
		return "no delay"
	}
	var parts []string
	if e := part(s.EarlyFire, s.EarlyDelay); e != "" {
		parts = append(parts, "early "+e)
	}
	if l := part(s.LateFire, s.LateDelay); l != "" {
		parts = append(parts, "late "+l)
	}
	if s.AllowLateness > 0 {
		parts = append(parts, "allow lateness "+engine.Dur(s.AllowLateness))
	}
	return strings.Join(parts, ", ")
}
