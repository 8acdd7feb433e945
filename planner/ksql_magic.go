package planner

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tumble/tumble/engine/agg"
	"github.com/tumble/tumble/sql"
)

// ksqlMagicTimestamps returns where with each string literal compared with
// ROWTIME, WINDOWSTART or WINDOWEND (by a comparison operator or BETWEEN)
// replaced by the epoch milliseconds it spells, as ksqlDB reads WHERE
// ROWTIME > '2020-01-01T00:00:00': a timestamp, possibly partial ('2020',
// '2020-05', '2020-05-26T10'), in UTC unless it ends in a zone offset
// (+0200) or Z. where itself is not modified.
func ksqlMagicTimestamps(where sql.Expr) (sql.Expr, error) {
	var err error
	var rewrite func(e sql.Expr) sql.Expr
	lit := func(e sql.Expr) sql.Expr {
		l, ok := e.(*sql.Literal)
		if !ok || l.Kind != sql.LitString || err != nil {
			return e
		}
		ms, perr := parsePartialTimestamp(l.Text)
		if perr != nil {
			err = sql.Errorf(l.Pos, "%s", perr.Error())
			return e
		}
		return &sql.Literal{Kind: sql.LitInt, Text: strconv.FormatInt(ms, 10), Pos: l.Pos}
	}
	rewrite = func(e sql.Expr) sql.Expr {
		switch n := e.(type) {
		case *sql.Binary:
			c := *n
			switch n.Op {
			case "AND", "OR":
				c.L, c.R = rewrite(n.L), rewrite(n.R)
			case "=", "<>", "!=", "<", "<=", ">", ">=", "IS DISTINCT FROM", "IS NOT DISTINCT FROM":
				switch {
				case isMagicTimeColumn(n.L):
					c.R = lit(n.R)
				case isMagicTimeColumn(n.R):
					c.L = lit(n.L)
				}
			}
			return &c
		case *sql.Unary:
			if n.Op == "NOT" {
				c := *n
				c.X = rewrite(n.X)
				return &c
			}
		case *sql.Between:
			if isMagicTimeColumn(n.X) {
				c := *n
				c.Lo, c.Hi = lit(n.Lo), lit(n.Hi)
				return &c
			}
		}
		return e
	}
	out := rewrite(where)
	return out, err
}

func isMagicTimeColumn(e sql.Expr) bool {
	id, ok := e.(*sql.Ident)
	if !ok || len(id.Parts) == 0 {
		return false
	}
	switch strings.ToUpper(id.Parts[len(id.Parts)-1]) {
	case colRowtime, "WINDOWSTART", "WINDOWEND":
		return true
	}
	return false
}

// parsePartialTimestamp reads yyyy-MM-dd'T'HH:mm:ss.SSS, any trailing part
// of which may be left out, with an optional zone offset (+hhmm, -hh:mm)
// or Z, as ksqlDB's PartialStringToTimestampParser does.
func parsePartialTimestamp(text string) (int64, error) {
	const timePattern = "00:00:00.000"
	date, clock, zone := text, "", ""
	if i := strings.IndexByte(text, 'T'); i >= 0 {
		date, clock = text[:i], text[i+1:]
		if j := strings.IndexAny(clock, "+-"); j >= 0 {
			clock, zone = clock[:j], clock[j:]
		}
		clock = strings.TrimSuffix(clock, "Z")
	} else {
		switch len(strings.Split(date, "-")) {
		case 1:
			date += "-01-01"
		case 2:
			date += "-01"
		}
	}
	if len(clock) < len(timePattern) {
		clock += timePattern[len(clock):]
	}
	loc := time.UTC
	if zone != "" {
		z := strings.ReplaceAll(zone, ":", "")
		sign := 1
		if z[0] == '-' {
			sign = -1
		}
		digits := z[1:]
		if len(digits) == 2 {
			digits += "00"
		}
		h, herr := strconv.Atoi(digits[:min(2, len(digits))])
		m, merr := strconv.Atoi(digits[min(2, len(digits)):])
		if len(digits) != 4 || herr != nil || merr != nil {
			return 0, fmt.Errorf("Failed to parse timezone '%s'", zone)
		}
		loc = time.FixedZone(zone, sign*(h*3600+m*60))
	}
	t, err := time.ParseInLocation("2006-01-02T15:04:05.000", date+"T"+clock, loc)
	if err != nil {
		return 0, fmt.Errorf("Failed to parse timestamp '%s': Required format is: \"yyyy-MM-dd'T'HH:mm:ss.SSS\", with an optional numeric 4-digit timezone, for example: '2020-05-26T23:59:58.000' or with tz: '2020-05-26T23:59:58.000+0200'. A trailing 'Z' instead of tz indicates the zero UTC offset. Partials are also supported, for example \"2020-05-26\"", text)
	}
	return t.UnixMilli(), nil
}

// ksqlCheckQualifiers refuses, as ksqlDB does before it resolves any
// column, a qualifier (Q.COL, Q.*) that names none of the query's sources.
func ksqlCheckQualifiers(sel *sql.Select) error {
	names := map[string]bool{}
	var ons []sql.Expr
	var walk func(f sql.From)
	walk = func(f sql.From) {
		switch n := f.(type) {
		case *sql.TableRef:
			names[strings.ToUpper(n.Name.Last())] = true
			if n.Alias != "" {
				names[strings.ToUpper(n.Alias)] = true
			}
		case *sql.Join:
			walk(n.Left)
			walk(n.Right)
			ons = append(ons, n.On)
		}
	}
	walk(sel.From)
	if len(names) == 0 {
		return nil
	}
	bad := func(q string, pos sql.Pos) error {
		return sql.Errorf(pos, "Failed to prepare statement: '%s' is not a valid stream/table name or alias.", strings.ToUpper(q))
	}
	var err error
	check := func(e sql.Expr) {
		walkSQL(e, func(x sql.Expr) {
			if id, ok := x.(*sql.Ident); ok && err == nil && len(id.Parts) == 2 && !names[strings.ToUpper(id.Parts[0])] {
				err = bad(id.Parts[0], id.Pos)
			}
		})
	}
	for _, it := range sel.Items {
		if it.Star && it.StarQualifier != "" && !names[strings.ToUpper(it.StarQualifier)] {
			return bad(it.StarQualifier, it.Pos)
		}
		check(it.Expr)
	}
	for _, on := range ons {
		check(on)
	}
	check(sel.Where)
	for _, g := range sel.GroupBy {
		check(g)
	}
	for _, p := range sel.PartitionBy {
		check(p)
	}
	check(sel.Having)
	return err
}

// ksqlCheckWindowBounds refuses, as ksqlDB does, a windowed aggregation's
// window bounds (WINDOWSTART, WINDOWEND) anywhere but in its select list
// outside aggregate calls: WHERE does not know them, and GROUP BY, HAVING
// and an aggregate's arguments may not use them.
func ksqlCheckWindowBounds(sel *sql.Select) error {
	if sel.Window == nil {
		return nil
	}
	first := func(e sql.Expr) *sql.Ident {
		var found *sql.Ident
		walkSQL(e, func(x sql.Expr) {
			if id, ok := x.(*sql.Ident); ok && found == nil && ksqlWindowBound(id) {
				found = id
			}
		})
		return found
	}
	if id := first(sel.Where); id != nil {
		return sql.Errorf(id.Pos, "Error in WHERE expression: Unknown column %s.", strings.ToUpper(id.Parts[len(id.Parts)-1]))
	}
	refuse := func(id *sql.Ident) error {
		return sql.Errorf(id.Pos, "Window bounds column %s can only be used in the SELECT clause of windowed aggregations", strings.ToUpper(id.Parts[len(id.Parts)-1]))
	}
	for _, g := range sel.GroupBy {
		if id := first(g); id != nil {
			return refuse(id)
		}
	}
	if id := first(sel.Having); id != nil {
		return refuse(id)
	}
	var err error
	for _, it := range sel.Items {
		walkSQL(it.Expr, func(x sql.Expr) {
			if c, ok := x.(*sql.Call); ok && err == nil && agg.IsAggregate(c.Name) {
				for _, a := range c.Args {
					if id := first(a); id != nil {
						err = refuse(id)
						return
					}
				}
			}
		})
	}
	return err
}
