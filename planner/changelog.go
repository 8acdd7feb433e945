package planner

import (
	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/sql"
)

// Changelog handling of Flink tables whose connectors read or write more
// than inserts (engine.Connector's SourceChanges and SinkChanges).

// normalizeUpsert puts a ChangelogNormalize over the scan of a table whose
// connector reads an upsert changelog (upsert-kafka), as Flink does: the
// scan reads +U / -D by primary key, and the normalized stream is a full
// changelog (+I for a new key, -U old / +U new for a replaced row, -D
// with the old row for a delete, nothing for a delete of an unknown key
// or a row equal to the current one), so the operators and sinks
// downstream see retractions. node is the scan or the watermark assigner
// over it.
func (b *binder) normalizeUpsert(t *Table, s *Scan, node Node) Node {
	c, err := b.p.Registry.Lookup(t.Connector())
	if err == nil && c.Changes != nil && s != nil && c.Changes(b.p.tableSpec(t, nil)) == engine.AllChanges {
		// a changelog format (debezium-json, canal-json): the scan reads
		// +I, -U, +U and -D as they come, nothing to normalize
		s.Changelog = true
		return node
	}
	if err != nil || c.SourceChanges != engine.UpsertChanges || len(t.PrimaryKey) == 0 {
		return node
	}
	s.Upsert = true
	var keys []int
	for _, k := range t.PrimaryKey {
		for i, f := range s.fields {
			if f.Name == k {
				keys = append(keys, i)
			}
		}
	}
	return &ChangelogNormalize{Input: node, Keys: keys, DropUnchanged: true}
}

// sinkAcceptsUpdates reports whether a table's sink takes an updating
// query: its connector accepts more than inserts (print, blackhole,
// upsert-kafka), or it is a ksqlDB table.
func (pl *Planner) sinkAcceptsUpdates(t *Table) bool {
	if t.Connector() == "kafka" && t.KSQL != nil && t.Kind == sql.KindTable {
		return true // a ksqlDB table's topic is a changelog
	}
	c, err := pl.Registry.Lookup(t.Connector())
	if err != nil || (c.SinkChanges == engine.UpsertChanges && len(t.PrimaryKey) == 0) {
		return false // an upsert sink needs the key it upserts by (jdbc)
	}
	return c.SinkChanges != engine.InsertOnlyChanges
}

// scanOf returns the scan under a watermark assigner, or n itself.
func scanOf(n Node) *Scan {
	if w, ok := n.(*WatermarkAssigner); ok {
		n = w.Input
	}
	s, _ := n.(*Scan)
	return s
}

// changeKinds names the changes an updating plan produces, for Flink's
// error about a sink that takes only inserts: a normalized upsert source
// deletes rows as well as updating them.
func changeKinds(n Node) string {
	for {
		if _, ok := n.(*ChangelogNormalize); ok {
			return "update and delete"
		}
		var next Node
		for _, in := range n.Inputs() {
			if m := in.Mode(); m != InsertOnly && m != UpsertSource {
				next = in
				break
			}
		}
		if next == nil {
			return "update"
		}
		n = next
	}
}
