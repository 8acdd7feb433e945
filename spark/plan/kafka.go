package plan

import (
	"strings"

	"github.com/tumble/tumble/spark/connect/pb"
	"github.com/tumble/tumble/sql"
)

// read translates spark.read / spark.readStream: the kafka source, or a
// table of the catalog (or a temporary view) by name.
func (t *Translator) read(r *pb.Read) (*Frame, error) {
	switch k := r.ReadType.(type) {
	case *pb.Read_NamedTable_:
		return t.table(k.NamedTable.UnparsedIdentifier, r.IsStreaming)
	case *pb.Read_DataSource_:
		ds := k.DataSource
		format := strings.ToLower(ds.GetFormat())
		switch format {
		case "kafka":
			if ds.Schema != nil && *ds.Schema != "" {
				return nil, analysisErr("UNSUPPORTED_FEATURE", "Kafka source has a fixed schema and cannot be set with a custom one")
			}
			return t.kafka(ds.Options, r.IsStreaming)
		case "":
			return nil, unsupported("A data source without a format (spark.sql.sources.default)")
		}
		return nil, analysisErr("DATA_SOURCE_NOT_FOUND", "Failed to find the data source: %s. Tumble reads the 'kafka' source and the tables of its catalog.", format)
	}
	return nil, unsupported("This kind of read")
}

// table reads a catalog table (Flink's or ksqlDB's) or a temporary view.
func (t *Translator) table(name string, streaming bool) (*Frame, error) {
	parts := splitIdent(name)
	short := parts[len(parts)-1]
	if v, ok := t.Views[strings.ToLower(short)]; ok {
		f, err := t.Relation(v)
		if err != nil {
			return nil, err
		}
		if streaming && !f.Streaming {
			return nil, analysisErr("UNSUPPORTED_FEATURE", "The view %s is not a streaming DataFrame.", quoteIdent(short))
		}
		out := *f
		out.Cols = make([]Col, len(f.Cols))
		for i, c := range f.Cols {
			out.Cols[i] = Col{Name: c.Name, Type: c.Type, Quals: []string{short}}
		}
		return &out, nil
	}
	tbl, ok := t.Planner.Catalog.Lookup(short, true)
	if !ok {
		return nil, analysisErr("TABLE_OR_VIEW_NOT_FOUND", "The table or view %s cannot be found. Verify the spelling and correctness of the schema and catalog.", quoteIdent(name))
	}
	if tbl.Kind == sql.KindView {
		return nil, unsupported("Reading the Flink view %s", quoteIdent(tbl.Name))
	}
	read := tbl
	if !streaming && tbl.Connector() == "kafka" {
		// A batch read takes the topic from its start to its end now.
		cp := *tbl
		cp.Options = map[string]string{}
		for k, v := range tbl.Options {
			cp.Options[k] = v
		}
		cp.Options["scan.startup.mode"] = "earliest-offset"
		cp.Options["scan.bounded.mode"] = "latest-offset"
		delete(cp.Options, "properties.group.id")
		read = &cp
	}
	node, err := t.Planner.TableScan(read)
	if err != nil {
		return nil, AsError(err)
	}
	f := &Frame{Node: node, Streaming: streaming}
	for _, fl := range node.Fields() {
		f.Cols = append(f.Cols, Col{Name: fl.Name, Type: fl.Type, Quals: []string{tbl.Name}})
	}
	return f, nil
}
