package sql

// INSERT INTO t [PARTITION (...)] [(cols)] SELECT ... | VALUES ....

func (p *parser) insert() Statement {
	b := p.base(p.i)
	p.expect("INSERT")
	ins := &Insert{Base: b}
	switch t := p.next(); {
	case t.is("INTO"):
	case t.is("OVERWRITE"):
		ins.Overwrite = true
	default:
		p.unexpected(t, "INTO or OVERWRITE")
	}
	ins.Table = p.name("a table name")
	hinted := &TableRef{}
	p.tableHints(hinted, p.toks[p.i-1].end)
	ins.Options, ins.HintPos = hinted.Options, hinted.HintPos
	if p.peek().is("PARTITION") {
		p.fail(p.peek(), "INSERT ... PARTITION is not supported")
	}
	if p.peek().isOp("(") && !p.peekAt(1).isAny("SELECT", "WITH") && !p.peekAt(1).isOp("(") {
		ins.Columns = p.parenIdents()
	}
	if p.peek().is("VALUES") {
		ins.Values = p.valuesRows(p.i, len(p.toks)-1)
		return ins
	}
	t := p.peek()
	if !t.isAny("SELECT", "WITH") && !t.isOp("(") {
		p.unexpected(t, "SELECT or VALUES")
	}
	ins.Query = p.query(p.i, len(p.toks)-1)
	return ins
}
