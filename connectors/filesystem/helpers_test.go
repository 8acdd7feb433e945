package filesystem

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/types"
)

// tableSpec builds the spec of a table over dir: columns are "name type"
// pairs (INT, BIGINT, STRING, DATE), opts alternate keys and values.
func tableSpec(dir string, cols []string, parts []string, opts ...string) *engine.TableSpec {
	spec := &engine.TableSpec{Name: "t", PartitionKeys: parts,
		Options:  map[string]string{"connector": Name, "path": dir, "format": "csv"},
		Defaults: map[string]string{"local-time-zone": "UTC"}}
	for _, c := range cols {
		name, typ, _ := strings.Cut(c, " ")
		cs := engine.ColumnSpec{Name: name}
		switch typ {
		case "INT":
			cs.Type = types.TInt
		case "BIGINT":
			cs.Type = types.TBigInt
		case "DATE":
			cs.Type = types.TDate
		case "STRING":
			cs.Type = types.TString
		default: // metadata: "m META file.name"
			meta := strings.TrimPrefix(typ, "META ")
			cs.Metadata, cs.Virtual = meta, true
			cs.Type = types.TString
			if meta == MetaFileSize {
				cs.Type = types.TBigInt
			}
		}
		spec.Columns = append(spec.Columns, cs)
	}
	for i := 0; i+1 < len(opts); i += 2 {
		spec.Options[opts[i]] = opts[i+1]
	}
	return spec
}

func writeFile(t testing.TB, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

// rowText renders a row as "a|b|c" (NULL for null).
func rowText(row types.Row) string {
	parts := make([]string, len(row))
	for i, v := range row {
		if v.IsNull() {
			parts[i] = "NULL"
		} else {
			parts[i] = v.String()
		}
	}
	return strings.Join(parts, "|")
}

// drain polls src until io.EOF and returns the rows (in order), the last
// position of each split, the splits reported done and the skipped count.
type drained struct {
	rows    []string
	next    map[int32]int64
	done    map[int32]bool
	skipped int64
}

func drain(t *testing.T, src engine.Source, limit int) (drained, error) {
	t.Helper()
	d := drained{next: map[int32]int64{}, done: map[int32]bool{}}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for i := 0; limit < 0 || i < limit; i++ {
		bs, err := src.Poll(ctx)
		if errors.Is(err, io.EOF) {
			return d, nil
		}
		if err != nil {
			return d, err
		}
		for _, b := range bs {
			for _, r := range b.Recs {
				d.rows = append(d.rows, rowText(r.Row))
			}
			d.next[b.Split] = b.Next
			d.done[b.Split] = d.done[b.Split] || b.Done
			d.skipped += b.Skipped
		}
	}
	return d, nil
}

// readTable reads every committed row of a table directory with a source.
func readTable(t *testing.T, spec *engine.TableSpec) []string {
	t.Helper()
	src, err := NewSource(spec)
	if err != nil {
		t.Fatal(err)
	}
	if err := src.Open(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	d, err := drain(t, src, -1)
	if err != nil {
		t.Fatal(err)
	}
	return d.rows
}

// listFiles lists the files under dir, relative, sorted (hidden ones too).
func listFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	slices.Sort(out)
	return out
}

func sorted(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}
