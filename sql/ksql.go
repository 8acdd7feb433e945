package sql

import (
	"strconv"
	"strings"
)

// ksqlDB-only syntax: TERMINATE, PRINT, and the WINDOW, EMIT and PARTITION
// BY clauses of a query, with the durations they take.

func (p *parser) terminate() Statement {
	b := p.base(p.i)
	p.expect("TERMINATE")
	if p.accept("ALL") {
		p.expectEnd()
		return &StopJob{Base: b, All: true}
	}
	t := p.peek()
	if t.kind != tkString && !t.isName() {
		p.unexpected(t, "a query id or ALL")
	}
	p.next()
	id := t.val
	if t.kind == tkWord {
		id = p.normIdent(t)
	}
	p.expectEnd()
	return &StopJob{Base: b, ID: id}
}

func (p *parser) print() Statement {
	b := p.base(p.i)
	p.expect("PRINT")
	t := p.peek()
	pr := &Print{Base: b}
	switch t.kind {
	case tkString, tkQuoted:
		pr.Topic = t.val
	case tkWord:
		// An unquoted topic: take the source text, which may hold '-' or
		// '.' (PRINT my-topic).
		j := p.i + 1
		for j < len(p.toks)-1 && p.toks[j].off == p.toks[j-1].end && !p.toks[j].isAny("FROM", "LIMIT", "INTERVAL", "SAMPLE") {
			j++
		}
		pr.Topic = p.src[t.off:p.toks[j-1].end]
		p.i = j - 1
	default:
		p.unexpected(t, "a topic name")
	}
	p.next()
	for {
		switch {
		case p.acceptSeq("FROM", "BEGINNING"):
			pr.FromBeginning = true
		case p.accept("INTERVAL") || p.accept("SAMPLE"):
			pr.Interval = p.intLit()
		case p.accept("LIMIT"):
			pr.Limit = p.intLit()
		default:
			p.expectEnd()
			return pr
		}
	}
}

func (p *parser) intLit() int {
	t := p.peek()
	n, err := strconv.Atoi(t.text)
	if t.kind != tkNumber || err != nil || n < 0 {
		p.unexpected(t, "a whole number")
	}
	p.i++
	return n
}

// durationMillis converts "n UNIT" to milliseconds.
func (p *parser) durationMillis() int64 {
	nt := p.peek()
	if nt.kind != tkNumber {
		p.unexpected(nt, "a duration such as 3 SECONDS")
	}
	n, err := strconv.ParseInt(nt.text, 10, 64)
	if err != nil || n < 0 {
		p.fail(nt, "bad duration %s", describe(nt))
	}
	p.i++
	ut := p.peek()
	ms, ok := unitMillis[strings.TrimSuffix(ut.val, "S")]
	if ut.kind != tkWord || !ok {
		p.unexpected(ut, "a time unit (MILLISECONDS, SECONDS, MINUTES, HOURS or DAYS)")
	}
	p.i++
	if n > (1<<62)/ms {
		p.fail(nt, "duration too large")
	}
	return n * ms
}

// windowSpec parses a ksqlDB window after WINDOW: TUMBLING (SIZE n unit
// [, RETENTION n unit] [, GRACE PERIOD n unit]), HOPPING (SIZE .., ADVANCE
// BY .., ...) or SESSION (n unit, ...). It returns the index after ')'.
func (p *parser) windowSpec(at int) (*WindowSpec, int) {
	save := p.i
	defer func() { p.i = save }()
	p.i = at
	kt := p.next()
	ws := &WindowSpec{Kind: kt.val, Grace: -1, Retention: -1, Pos: p.pos(kt.off)}
	p.expectOp("(")
	if kt.val == "SESSION" {
		ws.Size = p.durationMillis()
	} else {
		p.expect("SIZE")
		ws.Size = p.durationMillis()
	}
	for p.acceptOp(",") {
		t := p.peek()
		switch {
		case p.accept("RETENTION"):
			ws.Retention = p.durationMillis()
			p.note("The window's RETENTION only bounds how late EMIT FINAL may still emit a window: Tumble keeps a window's state until its grace period has passed, and pull queries do not read windowed tables.")
		case p.acceptSeq("GRACE", "PERIOD"):
			ws.Grace = p.durationMillis()
		case kt.val == "HOPPING" && p.acceptSeq("ADVANCE", "BY"):
			ws.Advance = p.durationMillis()
		default:
			p.unexpected(t, "RETENTION, GRACE PERIOD or ADVANCE BY")
		}
	}
	p.expectOp(")")
	if kt.val == "HOPPING" && ws.Advance == 0 {
		p.fail(kt, "WINDOW HOPPING needs ADVANCE BY")
	}
	if ws.Size == 0 {
		p.fail(kt, "window size must be positive")
	}
	return ws, p.i
}

// within parses a ksqlDB join window after WITHIN: "n unit" or
// "(before, after)", then an optional GRACE PERIOD. It returns the index
// after it.
func (p *parser) within(at int) (*WindowSpec, int) {
	save := p.i
	defer func() { p.i = save }()
	p.i = at
	kt := p.toks[at-1]
	ws := &WindowSpec{Kind: "WITHIN", Grace: -1, Retention: -1, Pos: p.pos(kt.off)}
	if p.acceptOp("(") {
		ws.Before = p.durationMillis()
		p.expectOp(",")
		ws.After = p.durationMillis()
		p.expectOp(")")
	} else {
		ws.Before = p.durationMillis()
		ws.After = ws.Before
	}
	ws.Size = ws.Before + ws.After
	if p.acceptSeq("GRACE", "PERIOD") {
		ws.Grace = p.durationMillis()
	}
	return ws, p.i
}

// ksqlClauses are the parts of a ksqlDB query parsed outside tidb.
type ksqlClauses struct {
	window     *WindowSpec
	emit       Emit
	pbLo, pbHi int // PARTITION BY expressions
}

// ksqlClauses finds WINDOW, EMIT and PARTITION BY at the top level of
// toks[lo:hi], parses them and blanks them for tidb.
func (p *parser) ksqlClauses(lo, hi int, r *rewriter) ksqlClauses {
	var kc ksqlClauses
	depth := 0
	for j := lo; j < hi; j++ {
		t := p.toks[j]
		switch {
		case t.isOp("(") || t.isOp("["):
			depth++
			continue
		case t.isOp(")") || t.isOp("]"):
			depth--
			continue
		}
		if depth != 0 {
			continue
		}
		next := p.toks[min(j+1, hi)]
		// ksqlDB's grammar allows a window name: WINDOW w TUMBLING (...).
		named := t.is("WINDOW") && next.kind == tkWord && !next.isAny("TUMBLING", "HOPPING", "SESSION") &&
			j+2 < hi && p.toks[j+2].isAny("TUMBLING", "HOPPING", "SESSION")
		switch {
		case t.is("WINDOW") && (named || next.isAny("TUMBLING", "HOPPING", "SESSION")):
			if kc.window != nil {
				p.fail(t, "WINDOW given twice")
			}
			at := j + 1
			if named {
				at++
			}
			ws, end := p.windowSpec(at)
			kc.window = ws
			for k := j; k < end; k++ {
				r.blank[k] = true
			}
			j = end - 1
		case t.is("EMIT") && next.isAny("CHANGES", "FINAL"):
			if kc.emit != EmitNone {
				p.fail(t, "EMIT given twice")
			}
			kc.emit = EmitChanges
			if next.is("FINAL") {
				kc.emit = EmitFinal
			}
			r.blank[j], r.blank[j+1] = true, true
			j++
		case t.is("PARTITION") && next.is("BY"):
			if kc.pbHi > 0 {
				p.fail(t, "PARTITION BY given twice")
			}
			end := j + 2
			d := 0
			for ; end < hi; end++ {
				x := p.toks[end]
				if x.isOp("(") || x.isOp("[") {
					d++
				} else if x.isOp(")") || x.isOp("]") {
					d--
				} else if d == 0 && x.isAny("HAVING", "EMIT", "LIMIT", "WINDOW", "GROUP", "ORDER") {
					break
				}
			}
			if end == j+2 {
				p.unexpected(p.toks[end], "an expression")
			}
			kc.pbLo, kc.pbHi = j+2, end
			for k := j; k < end; k++ {
				r.blank[k] = true
			}
			j = end - 1
		}
	}
	return kc
}
