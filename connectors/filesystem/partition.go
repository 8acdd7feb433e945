package filesystem

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/tumble/tumble/engine/expr"
	"github.com/tumble/tumble/engine/types"
)

// escapePathName escapes a partition name or value for a directory name
// as Hive (and so Flink) does: control characters and "#%'*/:=?\{[]^ as
// %XX (upper-case hex).
func escapePathName(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if needsEscape(c) {
			fmt.Fprintf(&b, "%%%02X", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

func needsEscape(c byte) bool {
	if c < 0x20 || c == 0x7f {
		return true
	}
	return strings.IndexByte("\"#%'*/:=?\\{[]^", c) >= 0
}

// unescapePathName reverses escapePathName; a '%' not followed by two hex
// digits stays as it is.
func unescapePathName(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			if h, ok := unhex(s[i+1]); ok {
				if l, ok := unhex(s[i+2]); ok {
					b.WriteByte(h<<4 | l)
					i += 2
					continue
				}
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// partitionText is the directory value of a partition column: its text as
// CAST(v AS STRING) gives it, or the default name for NULL and the empty string.
func (c *config) partitionText(v types.Value, t types.Type) string {
	if v.IsNull() {
		return c.defName
	}
	s := expr.ToText(v, t, expr.TextSQL)
	if s == "" {
		return c.defName
	}
	return s
}

// partitionDir is the relative directory of a row: k1=v1/k2=v2, escaped.
func (c *config) partitionDir(row types.Row) string {
	if len(c.parts) == 0 {
		return ""
	}
	var b strings.Builder
	for i, p := range c.parts {
		if i > 0 {
			b.WriteByte(filepath.Separator)
		}
		b.WriteString(escapePathName(p.name))
		b.WriteByte('=')
		b.WriteString(escapePathName(c.partitionText(row[p.pos], p.typ)))
	}
	return b.String()
}

// partitionSpec reads the k=v components of a relative directory. The last
// occurrence of a key wins.
func partitionSpec(relDir string) map[string]string {
	out := map[string]string{}
	if relDir == "." || relDir == "" {
		return out
	}
	for _, part := range strings.Split(filepath.ToSlash(relDir), "/") {
		k, v, ok := strings.Cut(part, "=")
		if !ok || k == "" {
			continue
		}
		out[unescapePathName(k)] = unescapePathName(v)
	}
	return out
}

// partitionValues converts the partition values of a file's directory to
// the columns' types. ok is false when a partition key is missing (the
// file is not in a partition directory and is not read); a value that does
// not convert is an error.
func (c *config) partitionValues(relDir string) (vals []types.Value, ok bool, err error) {
	if len(c.parts) == 0 {
		return nil, true, nil
	}
	spec := partitionSpec(relDir)
	vals = make([]types.Value, len(c.parts))
	env := &expr.Env{Loc: c.loc}
	for i, p := range c.parts {
		text, found := spec[p.name]
		if !found {
			return nil, false, nil
		}
		if text == c.defName {
			continue // NULL
		}
		if p.typ.Kind == types.String {
			vals[i] = types.StringV(text)
			continue
		}
		conv, err := expr.Converter(types.TString, p.typ, env)
		if err != nil {
			return nil, false, err
		}
		v, good := conv(types.StringV(text))
		if !good || v.IsNull() {
			return nil, false, fmt.Errorf("partition value '%s' of column '%s' in directory '%s' is not a valid %s", text, p.name, relDir, p.typ)
		}
		vals[i] = v
	}
	return vals, true, nil
}

// partitionTime is the time of the partition in directory dir (relative,
// "a=1/b=2"), as Flink's default partition time extractor gives it: the
// timestamp pattern with each $name replaced by the partition's value of
// that column (no pattern: the first value), parsed with the formatter,
// read as wall-clock time in the watermark's time zone; epoch ms.
func (c *config) partitionTime(dir string) (int64, error) {
	vals := map[string]string{}
	var first string
	for i, seg := range strings.Split(dir, "/") {
		name, val, ok := strings.Cut(seg, "=")
		if !ok {
			return 0, fmt.Errorf("partition directory '%s' is not name=value", dir)
		}
		val = unescapePathName(val)
		vals[unescapePathName(name)] = val
		if i == 0 {
			first = val
		}
	}
	text := first
	if c.timePattern != "" {
		text = c.timePattern
		// Longer names first, so $dt does not eat $dtm.
		names := make([]string, 0, len(vals))
		for n := range vals {
			names = append(names, n)
		}
		sort.Slice(names, func(a, b int) bool { return len(names[a]) > len(names[b]) })
		for _, n := range names {
			text = strings.ReplaceAll(text, "$"+n, vals[n])
		}
	}
	var err error
	for _, l := range c.timeLayouts {
		var us int64
		if us, _, err = l.Parse(text); err == nil {
			w := time.UnixMicro(us).UTC()
			return time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), w.Nanosecond(), c.wmZone).UnixMilli(), nil
		}
	}
	return 0, fmt.Errorf("the time of partition '%s' ('%s'): %v", dir, text, err)
}
