package expr

import (
	"strings"
	"sync"
	"time"

	"github.com/tumble/tumble/engine/types"
)

type layoutCache struct {
	mu sync.Mutex
	m  map[string]*types.JavaLayout
}

func (c *layoutCache) get(p string) *types.JavaLayout {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]*types.JavaLayout{}
	}
	if l, ok := c.m[p]; ok {
		return l
	}
	l, err := types.CompileJavaLayout(p)
	if err != nil {
		l = nil
	}
	if len(c.m) > 64 {
		c.m = map[string]*types.JavaLayout{}
	}
	c.m[p] = l
	return l
}

var layouts layoutCache

// Now is the clock used by CURRENT_TIMESTAMP and friends; tests may replace it.
var Now = time.Now

func tsUnitMicros(unit string) (int64, bool) {
	switch strings.ToUpper(strings.TrimSuffix(strings.ToUpper(unit), "S")) {
	case "MICROSECOND":
		return 1, true
	case "MILLISECOND":
		return types.MicrosPerMilli, true
	case "SECOND", "SQL_TSI_SECOND":
		return types.MicrosPerSecond, true
	case "MINUTE", "SQL_TSI_MINUTE":
		return 60 * types.MicrosPerSecond, true
	case "HOUR", "SQL_TSI_HOUR":
		return 3600 * types.MicrosPerSecond, true
	case "DAY", "SQL_TSI_DAY":
		return types.MicrosPerDay, true
	case "WEEK", "SQL_TSI_WEEK":
		return 7 * types.MicrosPerDay, true
	}
	return 0, false
}

func constString(e Expr) (string, bool) {
	c, ok := e.(*Const)
	if !ok || c.V.K != types.String {
		return "", false
	}
	return c.V.S, true
}

// wall returns wall-clock micros of a temporal value.
func wall(v types.Value, loc *time.Location) int64 {
	switch v.K {
	case types.TimestampLTZ:
		return types.ToWallClock(v.I, loc)
	case types.Date:
		return v.I * types.MicrosPerDay
	}
	return v.I
}

func field(unit string, us int64) (int64, bool) {
	days := floorDiv(us, types.MicrosPerDay)
	rem := us - days*types.MicrosPerDay
	y, m, d := types.CivilFromDays(days)
	switch strings.ToUpper(unit) {
	case "YEAR":
		return y, true
	case "QUARTER":
		return (m-1)/3 + 1, true
	case "MONTH":
		return m, true
	case "WEEK":
		// ISO week number
		t := time.Date(int(y), time.Month(m), int(d), 0, 0, 0, 0, time.UTC)
		_, w := t.ISOWeek()
		return int64(w), true
	case "DAY", "DAYOFMONTH":
		return d, true
	case "DAYOFYEAR", "DOY":
		return days - types.DaysFromCivil(int(y), 1, 1) + 1, true
	case "DAYOFWEEK", "DOW":
		return (days%7+11)%7 + 1, true // Sunday = 1
	case "HOUR":
		return rem / (3600 * types.MicrosPerSecond), true
	case "MINUTE":
		return rem / (60 * types.MicrosPerSecond) % 60, true
	case "SECOND":
		return rem / types.MicrosPerSecond % 60, true
	case "MILLISECOND":
		return rem / types.MicrosPerMilli % 1000, true
	case "EPOCH":
		return floorDiv(us, types.MicrosPerSecond), true
	}
	return 0, false
}

func registerTimeFuncs() {
	register("TO_TIMESTAMP", &funcDef{build: func(env *Env, args []Expr) (types.Type, func([]types.Value) types.Value, error) {
		if err := wantArgs("TO_TIMESTAMP", args, 1, 2); err != nil {
			return types.Type{}, nil, err
		}
		if !isStr(args[0].Type()) {
			return types.Type{}, nil, typeErr("Cannot apply 'TO_TIMESTAMP' to arguments of type 'TO_TIMESTAMP(%s)'", argTypes(args))
		}
		return types.TTS3, func(a []types.Value) types.Value {
			if len(a) == 1 {
				us, err := types.ParseTimestamp(strings.TrimSpace(a[0].S))
				if err != nil {
					return types.NullValue
				}
				return types.TimestampV(us)
			}
			l := layouts.get(a[1].S)
			if l == nil {
				return types.NullValue
			}
			us, _, err := l.Parse(a[0].S)
			if err != nil {
				return types.NullValue
			}
			return types.TimestampV(us)
		}, nil
	}})
	register("TO_DATE", &funcDef{build: func(env *Env, args []Expr) (types.Type, func([]types.Value) types.Value, error) {
		return types.TDate, func(a []types.Value) types.Value {
			var us int64
			var err error
			if len(a) == 1 {
				us, err = types.ParseTimestamp(strings.TrimSpace(a[0].S))
			} else if l := layouts.get(a[1].S); l != nil {
				us, _, err = l.Parse(a[0].S)
			} else {
				return types.NullValue
			}
			if err != nil {
				return types.NullValue
			}
			return types.DateV(floorDiv(us, types.MicrosPerDay))
		}, wantArgs("TO_DATE", args, 1, 2)
	}})
	register("DATE_FORMAT", &funcDef{build: func(env *Env, args []Expr) (types.Type, func([]types.Value) types.Value, error) {
		if err := wantArgs("DATE_FORMAT", args, 2, 2); err != nil {
			return types.Type{}, nil, err
		}
		loc := env.Location()
		return types.TString, func(a []types.Value) types.Value {
			l := layouts.get(a[1].S)
			if l == nil {
				return types.NullValue
			}
			var us int64
			if a[0].K == types.String {
				v, err := types.ParseTimestamp(strings.TrimSpace(a[0].S))
				if err != nil {
					return types.NullValue
				}
				us = v
			} else {
				us = wall(a[0], loc)
			}
			return types.StringV(l.Format(us, 0, ""))
		}, nil
	}})
	register("TO_TIMESTAMP_LTZ", &funcDef{build: func(env *Env, args []Expr) (types.Type, func([]types.Value) types.Value, error) {
		if err := wantArgs("TO_TIMESTAMP_LTZ", args, 1, 2); err != nil {
			return types.Type{}, nil, err
		}
		return types.TTSLTZ3, func(a []types.Value) types.Value {
			prec := int64(3)
			if len(a) == 2 {
				prec = a[1].Int()
			}
			n := a[0].Int()
			if prec == 0 {
				return types.TimestampLTZV(n * types.MicrosPerSecond)
			}
			return types.TimestampLTZV(n * types.MicrosPerMilli)
		}, nil
	}})
	register("UNIX_TIMESTAMP", &funcDef{nondeterministic: true, build: func(env *Env, args []Expr) (types.Type, func([]types.Value) types.Value, error) {
		if err := wantArgs("UNIX_TIMESTAMP", args, 0, 2); err != nil {
			return types.Type{}, nil, err
		}
		ksql := env != nil && env.KSQL
		loc := env.Location()
		return types.TBigInt, func(a []types.Value) types.Value {
			if len(a) == 0 {
				if ksql {
					return types.BigIntV(Now().UnixMilli())
				}
				return types.BigIntV(Now().Unix())
			}
			if ksql {
				return types.BigIntV(floorDiv(a[0].I, types.MicrosPerMilli))
			}
			var us int64
			var err error
			if len(a) == 2 {
				l := layouts.get(a[1].S)
				if l == nil {
					return types.NullValue
				}
				var zoned bool
				us, zoned, err = l.Parse(a[0].S)
				if err == nil && !zoned {
					us = types.FromWallClock(us, loc)
				}
			} else {
				us, err = types.ParseTimestamp(a[0].S)
				us = types.FromWallClock(us, loc)
			}
			if err != nil {
				return types.NullValue
			}
			return types.BigIntV(floorDiv(us, types.MicrosPerSecond))
		}, nil
	}})
	register("FROM_UNIXTIME", &funcDef{build: func(env *Env, args []Expr) (types.Type, func([]types.Value) types.Value, error) {
		if err := wantArgs("FROM_UNIXTIME", args, 1, 2); err != nil {
			return types.Type{}, nil, err
		}
		loc := env.Location()
		if env != nil && env.KSQL {
			return types.Type{Kind: types.TimestampLTZ, Precision: 3}, func(a []types.Value) types.Value {
				return types.TimestampLTZV(a[0].Int() * types.MicrosPerMilli)
			}, nil
		}
		return types.TString, func(a []types.Value) types.Value {
			p := "yyyy-MM-dd HH:mm:ss"
			if len(a) == 2 {
				p = a[1].S
			}
			l := layouts.get(p)
			if l == nil {
				return types.NullValue
			}
			return types.StringV(l.Format(types.ToWallClock(a[0].Int()*types.MicrosPerSecond, loc), 0, ""))
		}, nil
	}})
	nowFn := func(name string, t types.Type, f func(env *Env) types.Value) {
		register(name, &funcDef{nondeterministic: true, build: func(env *Env, args []Expr) (types.Type, func([]types.Value) types.Value, error) {
			return t, func([]types.Value) types.Value { return f(env) }, wantArgs(name, args, 0, 0)
		}})
	}
	nowFn("CURRENT_TIMESTAMP,NOW,PROCTIME,CURRENT_ROW_TIMESTAMP", types.Type{Kind: types.TimestampLTZ, Precision: 3, NotNull: true}, func(env *Env) types.Value {
		return types.TimestampLTZV(Now().UnixMilli() * types.MicrosPerMilli)
	})
	nowFn("LOCALTIMESTAMP", types.Type{Kind: types.Timestamp, Precision: 3, NotNull: true}, func(env *Env) types.Value {
		return types.TimestampV(types.ToWallClock(Now().UnixMilli()*types.MicrosPerMilli, env.Location()))
	})
	nowFn("CURRENT_DATE", types.Type{Kind: types.Date, NotNull: true}, func(env *Env) types.Value {
		return types.DateV(floorDiv(types.ToWallClock(Now().UnixMicro(), env.Location()), types.MicrosPerDay))
	})
	register("EXTRACT", &funcDef{build: func(env *Env, args []Expr) (types.Type, func([]types.Value) types.Value, error) {
		if err := wantArgs("EXTRACT", args, 2, 2); err != nil {
			return types.Type{}, nil, err
		}
		unit, ok := constString(args[0])
		if !ok {
			return types.Type{}, nil, typeErr("EXTRACT needs a time unit")
		}
		if _, ok := field(unit, 0); !ok {
			return types.Type{}, nil, typeErr("unsupported EXTRACT unit %s", unit)
		}
		loc := env.Location()
		return types.TBigInt, func(a []types.Value) types.Value {
			v, _ := field(unit, wall(a[1], loc))
			return types.BigIntV(v)
		}, nil
	}})
	for _, unit := range []string{"YEAR", "QUARTER", "MONTH", "WEEK", "DAYOFYEAR", "DAYOFMONTH", "DAYOFWEEK", "HOUR", "MINUTE", "SECOND"} {
		unit := unit
		register(unit, &funcDef{build: func(env *Env, args []Expr) (types.Type, func([]types.Value) types.Value, error) {
			loc := env.Location()
			return types.TBigInt, func(a []types.Value) types.Value {
				v, _ := field(unit, wall(a[0], loc))
				return types.BigIntV(v)
			}, wantArgs(unit, args, 1, 1)
		}})
	}
	register("TIMESTAMPADD", &funcDef{build: func(env *Env, args []Expr) (types.Type, func([]types.Value) types.Value, error) {
		if err := wantArgs("TIMESTAMPADD", args, 3, 3); err != nil {
			return types.Type{}, nil, err
		}
		unit, ok := constString(args[0])
		if !ok {
			return types.Type{}, nil, typeErr("TIMESTAMPADD needs a time unit")
		}
		t := args[2].Type()
		u := strings.ToUpper(strings.TrimSuffix(strings.ToUpper(unit), "S"))
		if u == "MONTH" || u == "YEAR" || u == "QUARTER" {
			mul := map[string]int64{"MONTH": 1, "QUARTER": 3, "YEAR": 12}[u]
			return t, func(a []types.Value) types.Value { return addMonths(a[2].K, a[2], a[1].Int()*mul) }, nil
		}
		mul, ok := tsUnitMicros(unit)
		if !ok {
			return types.Type{}, nil, typeErr("unsupported time unit %s", unit)
		}
		return t, func(a []types.Value) types.Value {
			v := a[2]
			if v.K == types.Date {
				return types.TimestampV(v.I*types.MicrosPerDay + a[1].Int()*mul)
			}
			v.I += a[1].Int() * mul
			return v
		}, nil
	}})
	register("TIMESTAMPDIFF", &funcDef{build: func(env *Env, args []Expr) (types.Type, func([]types.Value) types.Value, error) {
		if err := wantArgs("TIMESTAMPDIFF", args, 3, 3); err != nil {
			return types.Type{}, nil, err
		}
		unit, ok := constString(args[0])
		if !ok {
			return types.Type{}, nil, typeErr("TIMESTAMPDIFF needs a time unit")
		}
		loc := env.Location()
		u := strings.ToUpper(strings.TrimSuffix(strings.ToUpper(unit), "S"))
		if u == "MONTH" || u == "YEAR" || u == "QUARTER" {
			div := map[string]int64{"MONTH": 1, "QUARTER": 3, "YEAR": 12}[u]
			return types.TInt, func(a []types.Value) types.Value {
				y1, m1, _ := types.CivilFromDays(floorDiv(wall(a[1], loc), types.MicrosPerDay))
				y2, m2, _ := types.CivilFromDays(floorDiv(wall(a[2], loc), types.MicrosPerDay))
				return types.IntV((y2*12 + m2 - y1*12 - m1) / div)
			}, nil
		}
		mul, ok := tsUnitMicros(unit)
		if !ok {
			return types.Type{}, nil, typeErr("unsupported time unit %s", unit)
		}
		return types.TInt, func(a []types.Value) types.Value {
			return types.IntV((wall(a[2], loc) - wall(a[1], loc)) / mul)
		}, nil
	}})

	// ksqlDB time functions.
	register("TIMESTAMPTOSTRING", &funcDef{build: func(env *Env, args []Expr) (types.Type, func([]types.Value) types.Value, error) {
		if err := wantArgs("TIMESTAMPTOSTRING", args, 2, 3); err != nil {
			return types.Type{}, nil, err
		}
		return types.TString, func(a []types.Value) types.Value {
			return formatInstant(a[0].Int()*types.MicrosPerMilli, a[1].S, zoneArg(a, 2))
		}, nil
	}})
	register("FORMAT_TIMESTAMP", &funcDef{build: func(env *Env, args []Expr) (types.Type, func([]types.Value) types.Value, error) {
		if err := wantArgs("FORMAT_TIMESTAMP", args, 2, 3); err != nil {
			return types.Type{}, nil, err
		}
		loc := env.Location()
		return types.TString, func(a []types.Value) types.Value {
			us := a[0].I
			if a[0].K == types.Timestamp {
				us = types.FromWallClock(us, loc)
			}
			return formatInstant(us, a[1].S, zoneArg(a, 2))
		}, nil
	}})
	register("STRINGTOTIMESTAMP", &funcDef{build: func(env *Env, args []Expr) (types.Type, func([]types.Value) types.Value, error) {
		if err := wantArgs("STRINGTOTIMESTAMP", args, 2, 3); err != nil {
			return types.Type{}, nil, err
		}
		return types.TBigInt, func(a []types.Value) types.Value {
			us, ok := parseInstant(a[0].S, a[1].S, zoneArg(a, 2))
			if !ok {
				return types.NullValue
			}
			return types.BigIntV(floorDiv(us, types.MicrosPerMilli))
		}, nil
	}})
	register("PARSE_TIMESTAMP", &funcDef{build: func(env *Env, args []Expr) (types.Type, func([]types.Value) types.Value, error) {
		if err := wantArgs("PARSE_TIMESTAMP", args, 2, 3); err != nil {
			return types.Type{}, nil, err
		}
		return types.TTSLTZ3, func(a []types.Value) types.Value {
			us, ok := parseInstant(a[0].S, a[1].S, zoneArg(a, 2))
			if !ok {
				return types.NullValue
			}
			return types.TimestampLTZV(us)
		}, nil
	}})
}

func zoneArg(a []types.Value, i int) *time.Location {
	if len(a) <= i || a[i].IsNull() {
		return time.UTC
	}
	loc, err := time.LoadLocation(a[i].S)
	if err != nil {
		return time.UTC
	}
	return loc
}

func formatInstant(us int64, pattern string, loc *time.Location) types.Value {
	l := layouts.get(pattern)
	if l == nil {
		return types.NullValue
	}
	t := time.UnixMicro(us).In(loc)
	name, off := t.Zone()
	return types.StringV(l.Format(us+int64(off)*types.MicrosPerSecond, off, name))
}

// ParseInstant parses s with a Java pattern; without a zone in the text the
// wall clock is read in loc.
func parseInstant(s, pattern string, loc *time.Location) (int64, bool) {
	l := layouts.get(pattern)
	if l == nil {
		return 0, false
	}
	us, zoned, err := l.Parse(s)
	if err != nil {
		return 0, false
	}
	if !zoned {
		us = types.FromWallClock(us, loc)
	}
	return us, true
}

// ParseInstant is parseInstant for other packages (ksqlDB timestamp_format).
func ParseInstant(s, pattern string, loc *time.Location) (int64, bool) {
	return parseInstant(s, pattern, loc)
}
