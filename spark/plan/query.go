package plan

import (
	"strconv"

	"github.com/tumble/tumble/spark/connect/pb"
)

// ParseQuery parses the Spark SQL queries spark.sql() takes over the
// catalog — SELECT items [FROM table [alias]] [WHERE ...] [GROUP BY ...]
// [HAVING ...] [ORDER BY ...] [LIMIT n] — into the protocol's relations,
// which are then translated as DataFrame calls are.
func ParseQuery(text string) (*pb.Relation, error) {
	p := &parser{text: text}
	if err := p.lex(); err != nil {
		return nil, err
	}
	rel, err := p.query()
	if err != nil {
		return nil, err
	}
	p.acceptOp(";")
	if p.peek().kind != tEOF {
		return nil, p.errAt(p.peek())
	}
	return rel, nil
}

func (p *parser) query() (*pb.Relation, error) {
	if !p.acceptKw("SELECT") {
		if t := p.peek(); t.kind == tIdent {
			return nil, analysisErr("UNSUPPORTED_FEATURE", "The statement %s is not supported by Tumble's spark.sql(); it runs SELECT queries over the catalog.", t.text)
		}
		return nil, p.errAt(p.peek())
	}
	distinct := p.acceptKw("DISTINCT")
	var items []*pb.Expression
	for {
		e, err := p.aliased()
		if err != nil {
			return nil, err
		}
		items = append(items, e)
		if !p.acceptOp(",") {
			break
		}
	}
	var rel *pb.Relation
	if p.acceptKw("FROM") {
		t := p.next()
		if t.kind != tIdent && t.kind != tQuoted {
			return nil, p.errAt(t)
		}
		name := t.text
		for p.acceptOp(".") {
			name += "." + p.next().text
		}
		rel = &pb.Relation{RelType: &pb.Relation_Read{Read: &pb.Read{ReadType: &pb.Read_NamedTable_{NamedTable: &pb.Read_NamedTable{UnparsedIdentifier: name}}}}}
		p.acceptKw("AS")
		if a := p.peek(); a.kind == tQuoted || a.kind == tIdent && !reserved[upper(a.text)] {
			p.i++
			rel = &pb.Relation{RelType: &pb.Relation_SubqueryAlias{SubqueryAlias: &pb.SubqueryAlias{Input: rel, Alias: a.text}}}
		}
		if t := p.peek(); p.isKw(t, "JOIN") || p.isKw(t, "INNER") || p.isKw(t, "LEFT") || p.isKw(t, "RIGHT") || p.isKw(t, "FULL") || p.isKw(t, "CROSS") || t.kind == tOp && t.text == "," {
			return nil, unsupported("JOIN")
		}
	}
	if p.acceptKw("WHERE") {
		c, err := p.expr()
		if err != nil {
			return nil, err
		}
		rel = &pb.Relation{RelType: &pb.Relation_Filter{Filter: &pb.Filter{Input: rel, Condition: c}}}
	}
	var groups []*pb.Expression
	grouped := false
	if p.acceptKw("GROUP") {
		if !p.acceptKw("BY") {
			return nil, p.errAt(p.peek())
		}
		grouped = true
		for {
			e, err := p.expr()
			if err != nil {
				return nil, err
			}
			groups = append(groups, e)
			if !p.acceptOp(",") {
				break
			}
		}
	}
	switch {
	case grouped:
		rel = &pb.Relation{RelType: &pb.Relation_Aggregate{Aggregate: &pb.Aggregate{Input: rel, GroupType: pb.Aggregate_GROUP_TYPE_GROUPBY, GroupingExpressions: groups, AggregateExpressions: items}}}
		// The output holds the grouping columns first: select the items.
		rel = &pb.Relation{RelType: &pb.Relation_Project{Project: &pb.Project{Input: rel, Expressions: outputRefs(items, len(groups))}}}
	default:
		rel = &pb.Relation{RelType: &pb.Relation_Project{Project: &pb.Project{Input: rel, Expressions: items}}}
	}
	if p.acceptKw("HAVING") {
		return nil, unsupported("HAVING")
	}
	if distinct {
		rel = &pb.Relation{RelType: &pb.Relation_Deduplicate{Deduplicate: &pb.Deduplicate{Input: rel}}}
	}
	if p.acceptKw("ORDER") {
		if !p.acceptKw("BY") {
			return nil, p.errAt(p.peek())
		}
		var orders []*pb.Expression_SortOrder
		for {
			e, err := p.expr()
			if err != nil {
				return nil, err
			}
			o := &pb.Expression_SortOrder{Child: e, Direction: pb.Expression_SortOrder_SORT_DIRECTION_ASCENDING}
			if p.acceptKw("DESC") {
				o.Direction = pb.Expression_SortOrder_SORT_DIRECTION_DESCENDING
			} else {
				p.acceptKw("ASC")
			}
			if p.acceptKw("NULLS") {
				if p.acceptKw("FIRST") {
					o.NullOrdering = pb.Expression_SortOrder_SORT_NULLS_FIRST
				} else if p.acceptKw("LAST") {
					o.NullOrdering = pb.Expression_SortOrder_SORT_NULLS_LAST
				}
			}
			orders = append(orders, o)
			if !p.acceptOp(",") {
				break
			}
		}
		rel = &pb.Relation{RelType: &pb.Relation_Sort{Sort: &pb.Sort{Input: rel, Order: orders}}}
	}
	if p.acceptKw("LIMIT") {
		t := p.next()
		n, err := strconv.Atoi(t.text)
		if t.kind != tNumber || err != nil {
			return nil, p.errAt(t)
		}
		rel = &pb.Relation{RelType: &pb.Relation_Limit{Limit: &pb.Limit{Input: rel, Limit: int32(n)}}}
	}
	return rel, nil
}

// outputRefs selects the aggregate expressions of a GROUP BY query by the
// names the aggregate gives them.
func outputRefs(items []*pb.Expression, nGroups int) []*pb.Expression {
	out := make([]*pb.Expression, len(items))
	for i, it := range items {
		name := ""
		if a := it.GetAlias(); a != nil && len(a.Name) == 1 {
			name = a.Name[0]
		}
		if name == "" {
			// Unnamed items keep their generated name: read by position.
			out[i] = &pb.Expression{ExprType: &pb.Expression_UnresolvedAttribute_{UnresolvedAttribute: &pb.Expression_UnresolvedAttribute{UnparsedIdentifier: "#" + strconv.Itoa(nGroups+i)}}}
			continue
		}
		out[i] = attr(quoteIdent(name))
	}
	return out
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 32
		}
	}
	return string(b)
}
