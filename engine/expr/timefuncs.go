package expr

import (
	"strings"
	"sync"
	"time"

	"github.com/tumble/tumble/engine/types"
)

// Date and time functions. Storage: DATE is days since the epoch, TIME
// microseconds since midnight, TIMESTAMP wall-clock microseconds,
// TIMESTAMP_LTZ an instant. ksqlDB's TIMESTAMP is stored as a TIMESTAMP
// whose wall clock is UTC, so its functions read and write it as an
// instant in UTC. Patterns are Java's DateTimeFormatter patterns; zone ids
// are Java's (see types.LoadJavaZone).

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

// timeUnit is a unit of TIMESTAMPADD, TIMESTAMPDIFF, FLOOR(.. TO ..) and
// ksqlDB's DATEADD family: a fixed number of microseconds, or of months.
type timeUnit struct {
	name   string
	micros int64 // 0 for month-based units
	months int64
	nanos  bool // NANOSECOND: amounts are divided by 1000
}

func parseTimeUnit(u string) (timeUnit, bool) {
	u = strings.ToUpper(strings.TrimSpace(u))
	u = strings.TrimPrefix(u, "SQL_TSI_")
	u = strings.TrimSuffix(u, "S")
	switch u {
	case "NANOSECOND", "NANO":
		return timeUnit{name: "NANOSECOND", micros: 1, nanos: true}, true
	case "MICROSECOND", "MICRO", "FRAC_SECOND":
		return timeUnit{name: "MICROSECOND", micros: 1}, true
	case "MILLISECOND", "MILLI":
		return timeUnit{name: "MILLISECOND", micros: types.MicrosPerMilli}, true
	case "SECOND":
		return timeUnit{name: "SECOND", micros: types.MicrosPerSecond}, true
	case "MINUTE":
		return timeUnit{name: "MINUTE", micros: 60 * types.MicrosPerSecond}, true
	case "HOUR":
		return timeUnit{name: "HOUR", micros: 3600 * types.MicrosPerSecond}, true
	case "DAY":
		return timeUnit{name: "DAY", micros: types.MicrosPerDay}, true
	case "WEEK":
		return timeUnit{name: "WEEK", micros: 7 * types.MicrosPerDay}, true
	case "MONTH":
		return timeUnit{name: "MONTH", months: 1}, true
	case "QUARTER":
		return timeUnit{name: "QUARTER", months: 3}, true
	case "YEAR":
		return timeUnit{name: "YEAR", months: 12}, true
	case "DECADE":
		return timeUnit{name: "DECADE", months: 120}, true
	case "CENTURY":
		return timeUnit{name: "CENTURY", months: 1200}, true
	case "MILLENNIUM":
		return timeUnit{name: "MILLENNIUM", months: 12000}, true
	}
	return timeUnit{}, false
}

// amount converts n units to microseconds (fixed units only).
func (u timeUnit) amount(n int64) int64 {
	if u.nanos {
		return n / 1000
	}
	return n * u.micros
}

func constString(e Expr) (string, bool) {
	c, ok := e.(*Const)
	if !ok || c.V.K != types.String {
		return "", false
	}
	return c.V.S, true
}

// unitArg reads the constant time unit of a function's first argument.
func unitArg(env *Env, name string, args []Expr) (timeUnit, error) {
	s, ok := constString(args[0])
	if !ok {
		return timeUnit{}, argErr(env, name, args)
	}
	u, ok := parseTimeUnit(s)
	if !ok {
		return timeUnit{}, typeErr("unsupported time unit %s in %s", s, name)
	}
	return u, nil
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

// tsZone is the zone in which a TIMESTAMP's wall clock is read as an
// instant (Semantics.TimestampZone).
func tsZone(env *Env) *time.Location {
	if env.sem().TimestampZone == ZoneUTC {
		return time.UTC
	}
	return env.Location()
}

func field(unit string, us int64) (int64, bool) {
	days := floorDiv(us, types.MicrosPerDay)
	rem := us - days*types.MicrosPerDay
	y, m, d := types.CivilFromDays(days)
	switch strings.ToUpper(unit) {
	case "MILLENNIUM":
		return (y + 999) / 1000, true
	case "CENTURY":
		return (y + 99) / 100, true
	case "DECADE":
		return floorDiv(y, 10), true
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
	case "ISOYEAR":
		t := time.Date(int(y), time.Month(m), int(d), 0, 0, 0, 0, time.UTC)
		iy, _ := t.ISOWeek()
		return int64(iy), true
	case "DAY", "DAYOFMONTH":
		return d, true
	case "DAYOFYEAR", "DOY":
		return days - types.DaysFromCivil(int(y), 1, 1) + 1, true
	case "DAYOFWEEK", "DOW":
		return (days%7+11)%7 + 1, true // Sunday = 1
	case "ISODOW":
		return (days%7+10)%7 + 1, true // Monday = 1
	case "HOUR":
		return rem / (3600 * types.MicrosPerSecond), true
	case "MINUTE":
		return rem / (60 * types.MicrosPerSecond) % 60, true
	case "SECOND":
		return rem / types.MicrosPerSecond % 60, true
	case "MILLISECOND":
		return rem / types.MicrosPerMilli % 60000, true
	case "MICROSECOND":
		return rem % (60 * types.MicrosPerSecond), true
	case "NANOSECOND":
		return rem % (60 * types.MicrosPerSecond) * 1000, true
	case "EPOCH":
		return floorDiv(us, types.MicrosPerSecond), true
	}
	return 0, false
}

// zoneArg returns the zone named by argument i (UTC when absent), or nil
// for an unknown zone.
func zoneArg(a []types.Value, i int) *time.Location {
	if len(a) <= i {
		return time.UTC
	}
	if a[i].IsNull() {
		return nil
	}
	return loadZone(a[i].S)
}

func formatInstant(us int64, pattern string, loc *time.Location) types.Value {
	l := layouts.get(pattern)
	if l == nil || loc == nil {
		return types.NullValue
	}
	t := time.UnixMicro(us).In(loc)
	name, off := t.Zone()
	return types.StringV(l.Format(us+int64(off)*types.MicrosPerSecond, off, name))
}

// parseInstant parses s with a Java pattern; without a zone in the text the
// wall clock is read in loc.
func parseInstant(s, pattern string, loc *time.Location) (int64, bool) {
	l := layouts.get(pattern)
	if l == nil || loc == nil {
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

// parseWall parses s with a Java pattern into wall-clock micros (a zone in
// the text converts the instant to UTC wall clock).
func parseWall(s, pattern string) (int64, bool) {
	l := layouts.get(pattern)
	if l == nil {
		return 0, false
	}
	us, _, err := l.Parse(s)
	return us, err == nil
}

func formatWall(us int64, pattern string) types.Value {
	l := layouts.get(pattern)
	if l == nil {
		return types.NullValue
	}
	return types.StringV(l.Format(us, 0, "UTC"))
}

func modDay(us int64) int64 {
	return us - floorDiv(us, types.MicrosPerDay)*types.MicrosPerDay
}

func registerTimeFuncs() {
	registerFlinkTime()
	registerKsqlTime()
	registerTimeArith()
}

func registerFlinkTime() {
	register("TO_TIMESTAMP", &funcDef{build: func(env *Env, args []Expr) (types.Type, impl, error) {
		if err := checkSig(env, "TO_TIMESTAMP", args, 1, isStr, isStr); err != nil {
			return types.Type{}, nil, err
		}
		return types.TTS3, func(a []types.Value) types.Value {
			if len(a) == 1 {
				us, err := types.ParseTimestamp(strings.TrimSpace(a[0].S))
				if err != nil {
					return types.NullValue
				}
				return types.TimestampV(us)
			}
			us, ok := parseWall(a[0].S, a[1].S)
			if !ok {
				return types.NullValue
			}
			return types.TimestampV(us)
		}, nil
	}})
	simple("TO_DATE", types.TDate, func(a []types.Value) types.Value {
		var us int64
		var ok bool
		if len(a) == 1 {
			v, err := types.ParseTimestamp(strings.TrimSpace(a[0].S))
			us, ok = v, err == nil
		} else {
			us, ok = parseWall(a[0].S, a[1].S)
		}
		if !ok {
			return types.NullValue
		}
		return types.DateV(floorDiv(us, types.MicrosPerDay))
	}, 1, isStr, isStr)
	register("DATE_FORMAT", &funcDef{build: func(env *Env, args []Expr) (types.Type, impl, error) {
		if err := checkSig(env, "DATE_FORMAT", args, 2, func(t types.Type) bool { return isStr(t) || t.Kind.IsTemporal() }, isStr); err != nil {
			return types.Type{}, nil, err
		}
		loc := env.Location()
		return types.TString, func(a []types.Value) types.Value {
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
			return formatWall(us, a[1].S)
		}, nil
	}})
	register("TO_TIMESTAMP_LTZ", &funcDef{build: func(env *Env, args []Expr) (types.Type, impl, error) {
		if err := checkSig(env, "TO_TIMESTAMP_LTZ", args, 1, isNum, isInt); err != nil {
			return types.Type{}, nil, err
		}
		return types.TTSLTZ3, func(a []types.Value) types.Value {
			prec := int64(3)
			if len(a) == 2 {
				prec = a[1].Int()
			}
			switch prec {
			case 0:
				return types.TimestampLTZV(int64(a[0].Float() * types.MicrosPerSecond))
			case 3:
				return types.TimestampLTZV(int64(a[0].Float() * types.MicrosPerMilli))
			}
			return types.NullValue
		}, nil
	}})
	register("UNIX_TIMESTAMP", unixTimestamp(false))
	registerVariant(UnixTimestampMillis, unixTimestamp(true))
	register("FROM_UNIXTIME", &funcDef{build: func(env *Env, args []Expr) (types.Type, impl, error) {
		if err := checkSig(env, "FROM_UNIXTIME", args, 1, isNum, isStr); err != nil {
			return types.Type{}, nil, err
		}
		loc := env.Location()
		return types.TString, func(a []types.Value) types.Value {
			p := "yyyy-MM-dd HH:mm:ss"
			if len(a) == 2 {
				p = a[1].S
			}
			return formatWall(types.ToWallClock(a[0].Int()*types.MicrosPerSecond, loc), p)
		}, nil
	}})
	registerVariant(FromUnixtimeMillis, &funcDef{build: func(env *Env, args []Expr) (types.Type, impl, error) {
		// Epoch milliseconds to a TIMESTAMP.
		return types.TTS3, func(a []types.Value) types.Value {
			return types.TimestampV(a[0].Int() * types.MicrosPerMilli)
		}, checkSig(env, "FROM_UNIXTIME", args, 1, isInt)
	}})
	nowFn := func(name string, t types.Type, f func(env *Env) types.Value) {
		register(name, &funcDef{nondeterministic: true, build: func(env *Env, args []Expr) (types.Type, impl, error) {
			return t, func([]types.Value) types.Value { return f(env) }, checkSig(env, name, args, 0)
		}})
	}
	nowFn("CURRENT_TIMESTAMP,NOW,PROCTIME,CURRENT_ROW_TIMESTAMP", types.Type{Kind: types.TimestampLTZ, Precision: 3, NotNull: true}, func(env *Env) types.Value {
		return types.TimestampLTZV(env.Now().UnixMilli() * types.MicrosPerMilli)
	})
	nowFn("LOCALTIMESTAMP", types.Type{Kind: types.Timestamp, Precision: 3, NotNull: true}, func(env *Env) types.Value {
		return types.TimestampV(types.ToWallClock(env.Now().UnixMilli()*types.MicrosPerMilli, env.Location()))
	})
	nowFn("CURRENT_DATE", types.Type{Kind: types.Date, NotNull: true}, func(env *Env) types.Value {
		return types.DateV(floorDiv(types.ToWallClock(env.Now().UnixMicro(), env.Location()), types.MicrosPerDay))
	})
	nowFn("CURRENT_TIME,LOCALTIME", types.Type{Kind: types.Time, NotNull: true}, func(env *Env) types.Value {
		w := types.ToWallClock(env.Now().UnixMilli()*types.MicrosPerMilli, env.Location())
		return types.TimeV(modDay(w) / types.MicrosPerSecond * types.MicrosPerSecond)
	})
	register("EXTRACT", &funcDef{build: func(env *Env, args []Expr) (types.Type, impl, error) {
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
		register(unit, &funcDef{build: func(env *Env, args []Expr) (types.Type, impl, error) {
			loc := env.Location()
			return types.TBigInt, func(a []types.Value) types.Value {
				v, _ := field(unit, wall(a[0], loc))
				return types.BigIntV(v)
			}, checkSig(env, unit, args, 1, func(t types.Type) bool { return t.Kind.IsTemporal() || t.Kind == types.Null })
		}})
	}
	register("CONVERT_TZ", &funcDef{build: func(env *Env, args []Expr) (types.Type, impl, error) {
		if err := checkSig(env, "CONVERT_TZ", args, 3, func(t types.Type) bool {
			return isStr(t) || isTS(t) || t.Kind == types.Time
		}, isStr, isStr); err != nil {
			return types.Type{}, nil, err
		}
		switch args[0].Type().Kind {
		case types.String:
			// Flink: a 'yyyy-MM-dd HH:mm:ss' text from one zone to another.
			return types.TString, func(a []types.Value) types.Value {
				from, to := loadZone(a[1].S), loadZone(a[2].S)
				us, err := types.ParseTimestamp(strings.TrimSpace(a[0].S))
				if err != nil || from == nil || to == nil {
					return types.NullValue
				}
				w := types.ToWallClock(types.FromWallClock(us, from), to)
				return types.StringV(types.FormatTimestamp(w, 0, ' '))
			}, nil
		case types.Time:
			return args[0].Type().Nullable(), func(a []types.Value) types.Value {
				d, ok := zoneShift(a[0].I, a[1].S, a[2].S)
				if !ok {
					return types.NullValue
				}
				return types.TimeV(modDay(a[0].I + d))
			}, nil
		}
		// ksqlDB: shift the timestamp by the difference of the two zones'
		// offsets at that instant.
		t := args[0].Type().Nullable()
		return t, func(a []types.Value) types.Value {
			d, ok := zoneShift(a[0].I, a[1].S, a[2].S)
			if !ok {
				return types.NullValue
			}
			return types.Value{K: a[0].K, I: a[0].I + d}
		}, nil
	}})
}

// zoneShift is offset(to) - offset(from) at the instant us, in micros.
func zoneShift(us int64, fromID, toID string) (int64, bool) {
	from, to := loadZone(fromID), loadZone(toID)
	if from == nil || to == nil {
		return 0, false
	}
	t := time.UnixMicro(us)
	_, fo := t.In(from).Zone()
	_, tof := t.In(to).Zone()
	return int64(tof-fo) * types.MicrosPerSecond, true
}

func registerKsqlTime() {
	register("TIMESTAMPTOSTRING", &funcDef{build: func(env *Env, args []Expr) (types.Type, impl, error) {
		return types.TString, func(a []types.Value) types.Value {
			return formatInstant(a[0].Int()*types.MicrosPerMilli, a[1].S, zoneArg(a, 2))
		}, checkSig(env, "TIMESTAMPTOSTRING", args, 2, isInt, isStr, isStr)
	}})
	register("FORMAT_TIMESTAMP", &funcDef{build: func(env *Env, args []Expr) (types.Type, impl, error) {
		if err := checkSig(env, "FORMAT_TIMESTAMP", args, 2, isTS, isStr, isStr); err != nil {
			return types.Type{}, nil, err
		}
		loc := tsZone(env)
		return types.TString, func(a []types.Value) types.Value {
			us := a[0].I
			if a[0].K == types.Timestamp {
				us = types.FromWallClock(us, loc)
			}
			return formatInstant(us, a[1].S, zoneArg(a, 2))
		}, nil
	}})
	register("STRINGTOTIMESTAMP", &funcDef{build: func(env *Env, args []Expr) (types.Type, impl, error) {
		return types.TBigInt, func(a []types.Value) types.Value {
			us, ok := parseInstant(a[0].S, a[1].S, zoneArg(a, 2))
			if !ok {
				return types.NullValue
			}
			return types.BigIntV(floorDiv(us, types.MicrosPerMilli))
		}, checkSig(env, "STRINGTOTIMESTAMP", args, 2, isStr, isStr, isStr)
	}})
	register("PARSE_TIMESTAMP", &funcDef{build: func(env *Env, args []Expr) (types.Type, impl, error) {
		if err := checkSig(env, "PARSE_TIMESTAMP", args, 2, isStr, isStr, isStr); err != nil {
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
	registerVariant(ParseTimestampMillis, &funcDef{build: func(env *Env, args []Expr) (types.Type, impl, error) {
		if err := checkSig(env, "PARSE_TIMESTAMP", args, 2, isStr, isStr, isStr); err != nil {
			return types.Type{}, nil, err
		}
		return types.TTS3, func(a []types.Value) types.Value {
			us, ok := parseInstant(a[0].S, a[1].S, zoneArg(a, 2))
			if !ok {
				return types.NullValue
			}
			return types.TimestampV(floorDiv(us, types.MicrosPerMilli) * types.MicrosPerMilli)
		}, nil
	}})
	simple("FORMAT_DATE", types.TString, func(a []types.Value) types.Value {
		return formatWall(a[0].I*types.MicrosPerDay, a[1].S)
	}, 2, isDate, isStr)
	simple("DATETOSTRING", types.TString, func(a []types.Value) types.Value {
		return formatWall(a[0].Int()*types.MicrosPerDay, a[1].S)
	}, 2, isInt, isStr)
	simple("PARSE_DATE", types.TDate, func(a []types.Value) types.Value {
		us, ok := parseWall(a[0].S, a[1].S)
		if !ok {
			return types.NullValue
		}
		return types.DateV(floorDiv(us, types.MicrosPerDay))
	}, 2, isStr, isStr)
	simple("STRINGTODATE", types.TInt, func(a []types.Value) types.Value {
		us, ok := parseWall(a[0].S, a[1].S)
		if !ok {
			return types.NullValue
		}
		return types.IntV(floorDiv(us, types.MicrosPerDay))
	}, 2, isStr, isStr)
	simple("FORMAT_TIME", types.TString, func(a []types.Value) types.Value {
		return formatWall(modDay(a[0].I), a[1].S)
	}, 2, isTime, isStr)
	simple("PARSE_TIME", types.TTime, func(a []types.Value) types.Value {
		us, ok := parseWall(a[0].S, a[1].S)
		if !ok {
			return types.NullValue
		}
		return types.TimeV(modDay(us))
	}, 2, isStr, isStr)
	simple("FROM_DAYS", types.TDate, func(a []types.Value) types.Value { return types.DateV(a[0].Int()) }, 1, isInt)
	register("UNIX_DATE", &funcDef{nondeterministic: true, build: func(env *Env, args []Expr) (types.Type, impl, error) {
		if err := checkSig(env, "UNIX_DATE", args, 0, isDate); err != nil {
			return types.Type{}, nil, err
		}
		return types.TInt, func(a []types.Value) types.Value {
			if len(a) == 0 {
				return types.IntV(floorDiv(types.ToWallClock(env.Now().UnixMicro(), env.Location()), types.MicrosPerDay))
			}
			return types.IntV(a[0].I)
		}, nil
	}})
}

// registerTimeArith: TIMESTAMPADD / TIMESTAMPSUB / TIMESTAMPDIFF (unit,
// amount, value) in both dialects' order, ksqlDB's DATEADD / DATESUB /
// TIMEADD / TIMESUB, and FLOOR/CEIL(x TO unit) (in math.go's FLOOR).
func registerTimeArith() {
	addFn := func(name string, sign int64, accepts func(types.Type) bool) {
		register(name, &funcDef{build: func(env *Env, args []Expr) (types.Type, impl, error) {
			if err := checkSig(env, name, args, 3, isStr, isInt, accepts); err != nil {
				return types.Type{}, nil, err
			}
			u, err := unitArg(env, name, args)
			if err != nil {
				return types.Type{}, nil, err
			}
			t := args[2].Type()
			switch t.Kind {
			case types.Date:
				if u.months == 0 && u.micros < types.MicrosPerDay && env.sem().DateArith == SubDayMakesTimestamp {
					// Flink: a sub-day unit turns a DATE into a TIMESTAMP.
					return types.TTS3, func(a []types.Value) types.Value {
						return types.TimestampV(a[2].I*types.MicrosPerDay + sign*u.amount(a[1].Int()))
					}, nil
				}
				return types.TDate, func(a []types.Value) types.Value {
					return addUnit(a[2], sign*a[1].Int(), u)
				}, nil
			case types.Time:
				return t.Nullable(), func(a []types.Value) types.Value {
					if u.months != 0 {
						return a[2]
					}
					return types.TimeV(modDay(a[2].I + sign*u.amount(a[1].Int())))
				}, nil
			}
			return t.Nullable(), func(a []types.Value) types.Value {
				return addUnit(a[2], sign*a[1].Int(), u)
			}, nil
		}})
	}
	temporal := func(t types.Type) bool { return t.Kind.IsTemporal() || t.Kind == types.Null }
	addFn("TIMESTAMPADD", 1, temporal)
	addFn("TIMESTAMPSUB", -1, temporal)
	addFn("DATEADD", 1, isDate)
	addFn("DATESUB", -1, isDate)
	addFn("TIMEADD", 1, isTime)
	addFn("TIMESUB", -1, isTime)
	register("TIMESTAMPDIFF", &funcDef{build: func(env *Env, args []Expr) (types.Type, impl, error) {
		temporal := func(t types.Type) bool { return t.Kind.IsTemporal() || t.Kind == types.Null }
		if err := checkSig(env, "TIMESTAMPDIFF", args, 3, isStr, temporal, temporal); err != nil {
			return types.Type{}, nil, err
		}
		u, err := unitArg(env, "TIMESTAMPDIFF", args)
		if err != nil {
			return types.Type{}, nil, err
		}
		loc := env.Location()
		if u.months != 0 {
			return types.TInt, func(a []types.Value) types.Value {
				return types.IntV(monthsBetween(wall(a[1], loc), wall(a[2], loc)) / u.months)
			}, nil
		}
		return types.TInt, func(a []types.Value) types.Value {
			d := wall(a[2], loc) - wall(a[1], loc)
			if u.nanos {
				return types.IntV(d * 1000)
			}
			return types.IntV(d / u.micros)
		}, nil
	}})
}

// addUnit adds n units to a DATE, TIMESTAMP or TIMESTAMP_LTZ.
func addUnit(v types.Value, n int64, u timeUnit) types.Value {
	if u.months != 0 {
		return addMonths(v.K, v, n*u.months)
	}
	if v.K == types.Date {
		return types.DateV(v.I + floorDiv(u.amount(n), types.MicrosPerDay))
	}
	v.I += u.amount(n)
	return v
}

// monthsBetween counts whole months from wall clock a to b (signed): a
// month is complete when b's day and time reach a's.
func monthsBetween(a, b int64) int64 {
	neg := b < a
	if neg {
		a, b = b, a
	}
	da, db := floorDiv(a, types.MicrosPerDay), floorDiv(b, types.MicrosPerDay)
	y1, m1, d1 := types.CivilFromDays(da)
	y2, m2, d2 := types.CivilFromDays(db)
	n := (y2*12 + m2) - (y1*12 + m1)
	if d2 < d1 || (d2 == d1 && b-db*types.MicrosPerDay < a-da*types.MicrosPerDay) {
		n--
	}
	if neg {
		return -n
	}
	return n
}

// buildTimeFloor is FLOOR/CEIL(x TO unit): x rounded down (up) to the unit,
// in the session zone for TIMESTAMP_LTZ. Weeks start on Sunday.
func buildTimeFloor(env *Env, name string, up bool, args []Expr) (types.Type, impl, error) {
	temporal := func(t types.Type) bool { return t.Kind.IsTemporal() || t.Kind == types.Null }
	if err := checkSig(env, name, args, 2, temporal, isStr); err != nil {
		return types.Type{}, nil, err
	}
	s, ok := constString(args[1])
	if !ok {
		return types.Type{}, nil, argErr(env, name, args)
	}
	u, ok := parseTimeUnit(s)
	if !ok {
		return types.Type{}, nil, typeErr("unsupported time unit %s in %s", s, name)
	}
	loc := env.Location()
	t := args[0].Type()
	floorWall := func(w int64) int64 {
		switch {
		case u.name == "WEEK":
			d := floorDiv(w, types.MicrosPerDay)
			d -= (d%7 + 11) % 7 // back to Sunday
			return d * types.MicrosPerDay
		case u.months != 0:
			d := floorDiv(w, types.MicrosPerDay)
			y, m, _ := types.CivilFromDays(d)
			total := y*12 + m - 1
			total = floorDiv(total, u.months) * u.months
			return types.DaysFromCivil(int(floorDiv(total, 12)), int(total-floorDiv(total, 12)*12+1), 1) * types.MicrosPerDay
		}
		step := u.amount(1)
		return floorDiv(w, step) * step
	}
	round := func(w int64) int64 {
		f := floorWall(w)
		if !up || f == w {
			return f
		}
		if u.months != 0 {
			return addMonths(types.Timestamp, types.TimestampV(f), u.months).I
		}
		if u.name == "WEEK" {
			return f + 7*types.MicrosPerDay
		}
		return f + u.amount(1)
	}
	return t.Nullable(), func(a []types.Value) types.Value {
		v := a[0]
		switch v.K {
		case types.Date:
			return types.DateV(floorDiv(round(v.I*types.MicrosPerDay), types.MicrosPerDay))
		case types.Time:
			if u.months != 0 || u.micros >= types.MicrosPerDay {
				return types.TimeV(0) // a day's end wraps to midnight
			}
			return types.TimeV(modDay(round(v.I)))
		case types.TimestampLTZ:
			return types.TimestampLTZV(types.FromWallClock(round(types.ToWallClock(v.I, loc)), loc))
		}
		v.I = round(v.I)
		return v
	}, nil
}

// unixTimestamp is UNIX_TIMESTAMP: epoch seconds of now, or of a text
// timestamp (with an optional pattern) in the session zone; with millis
// epoch milliseconds of now or of a TIMESTAMP argument (ksqlDB).
func unixTimestamp(millis bool) *funcDef {
	return &funcDef{nondeterministic: true, build: func(env *Env, args []Expr) (types.Type, impl, error) {
		if millis {
			if err := checkSig(env, "UNIX_TIMESTAMP", args, 0, isTS); err != nil {
				return types.Type{}, nil, err
			}
			return types.TBigInt, func(a []types.Value) types.Value {
				if len(a) == 0 {
					return types.BigIntV(env.Now().UnixMilli())
				}
				return types.BigIntV(floorDiv(a[0].I, types.MicrosPerMilli))
			}, nil
		}
		if err := checkSig(env, "UNIX_TIMESTAMP", args, 0, isStr, isStr); err != nil {
			return types.Type{}, nil, err
		}
		loc := env.Location()
		return types.TBigInt, func(a []types.Value) types.Value {
			if len(a) == 0 {
				return types.BigIntV(env.Now().Unix())
			}
			var us int64
			var ok bool
			if len(a) == 2 {
				us, ok = parseInstant(a[0].S, a[1].S, loc)
			} else {
				v, err := types.ParseTimestamp(strings.TrimSpace(a[0].S))
				us, ok = types.FromWallClock(v, loc), err == nil
			}
			if !ok {
				return types.NullValue
			}
			return types.BigIntV(floorDiv(us, types.MicrosPerSecond))
		}, nil
	}}
}
