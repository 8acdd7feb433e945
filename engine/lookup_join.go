package engine

import (
	"container/list"
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tumble/tumble/engine/expr"
	"github.com/tumble/tumble/engine/types"
)

// LookupSource is an optional Source ability: the table can be looked up
// by key (Flink's LookupTableSource), for a processing-time lookup join
// (JOIN t FOR SYSTEM_TIME AS OF o.proctime). A source used for lookups is
// not opened with Open; OpenLookup prepares it and Close releases it. Its
// methods are called from one goroutine.
type LookupSource interface {
	// OpenLookup prepares lookups by the columns keys (positions in
	// TableSpec.Columns). It may block on the external system.
	OpenLookup(ctx context.Context, keys []int) error
	// Lookup returns, for each key (the values of the key columns, in
	// order), the table's rows whose key columns equal it (rows in
	// TableSpec.Columns order), as the table is at the call. It blocks on
	// the external system and honours ctx. The rows are the caller's.
	Lookup(ctx context.Context, keys []types.Row) ([][]types.Row, error)
}

// LookupCache configures the cache of a lookup join (Flink's
// 'lookup.cache' options). The zero value caches nothing.
type LookupCache struct {
	// Partial caches looked-up keys ('lookup.cache' = 'PARTIAL').
	Partial bool
	// MaxRows bounds the cached keys (0: unbounded); the least recently
	// used go first.
	MaxRows int
	// ExpireAfterWrite and ExpireAfterAccess drop an entry that long after
	// it was looked up or last read (0: never).
	ExpireAfterWrite, ExpireAfterAccess time.Duration
	// CacheMissingKey caches keys without rows too.
	CacheMissingKey bool
}

// LookupOptionKeys are the option keys ParseLookupOptions reads, for a
// connector's accepted options.
var LookupOptionKeys = []string{"lookup.cache", "lookup.partial-cache.max-rows", "lookup.partial-cache.expire-after-write",
	"lookup.partial-cache.expire-after-access", "lookup.partial-cache.cache-missing-key", "lookup.max-retries"}

// LookupOptions are the lookup join options Flink's connectors share.
type LookupOptions struct {
	Cache LookupCache
	// MaxRetries is how often a failed lookup is retried before the job
	// fails ('lookup.max-retries', 3 by default).
	MaxRetries int
}

// ParseLookupOptions reads Flink's lookup options from a table's options:
// 'lookup.cache' (NONE or PARTIAL), 'lookup.partial-cache.max-rows',
// '.expire-after-write', '.expire-after-access', '.cache-missing-key'
// and 'lookup.max-retries'. A partial cache needs a size or an expiry, as
// in Flink.
func ParseLookupOptions(opts map[string]string) (LookupOptions, error) {
	out := LookupOptions{MaxRetries: 3}
	out.Cache.CacheMissingKey = true
	get := func(k string) (string, bool) {
		v, ok := opts[k]
		return strings.TrimSpace(v), ok
	}
	switch v, _ := get("lookup.cache"); strings.ToUpper(v) {
	case "", "NONE":
	case "PARTIAL":
		out.Cache.Partial = true
	case "FULL":
		return out, fmt.Errorf("'lookup.cache' = 'FULL' is not supported; use 'PARTIAL' or 'NONE'")
	default:
		return out, fmt.Errorf("'lookup.cache' must be NONE or PARTIAL, not '%s'", v)
	}
	dur := func(k string) (time.Duration, error) {
		v, ok := get(k)
		if !ok {
			return 0, nil
		}
		d, err := types.ParseDuration(v)
		if err != nil || d < 0 {
			return 0, fmt.Errorf("'%s': not a duration: '%s'", k, v)
		}
		return d, nil
	}
	var err error
	if out.Cache.ExpireAfterWrite, err = dur("lookup.partial-cache.expire-after-write"); err != nil {
		return out, err
	}
	if out.Cache.ExpireAfterAccess, err = dur("lookup.partial-cache.expire-after-access"); err != nil {
		return out, err
	}
	if v, ok := get("lookup.partial-cache.max-rows"); ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return out, fmt.Errorf("'lookup.partial-cache.max-rows' must be a number of rows, not '%s'", v)
		}
		out.Cache.MaxRows = n
	}
	if v, ok := get("lookup.partial-cache.cache-missing-key"); ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return out, fmt.Errorf("'lookup.partial-cache.cache-missing-key' must be true or false, not '%s'", v)
		}
		out.Cache.CacheMissingKey = b
	}
	if v, ok := get("lookup.max-retries"); ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return out, fmt.Errorf("'lookup.max-retries' must be a number, not '%s'", v)
		}
		out.MaxRetries = n
	}
	c := out.Cache
	if c.Partial && c.MaxRows == 0 && c.ExpireAfterWrite == 0 && c.ExpireAfterAccess == 0 {
		return out, fmt.Errorf("'lookup.cache' = 'PARTIAL' needs 'lookup.partial-cache.max-rows', 'lookup.partial-cache.expire-after-write' or 'lookup.partial-cache.expire-after-access'")
	}
	if !c.Partial && (c.MaxRows > 0 || c.ExpireAfterWrite > 0 || c.ExpireAfterAccess > 0) {
		return out, fmt.Errorf("the 'lookup.partial-cache.*' options need 'lookup.cache' = 'PARTIAL'")
	}
	return out, nil
}

// LookupTableJoin is Flink's processing-time lookup join: each left row is
// joined, when it arrives, with the rows of the dimension table whose key
// columns equal its LeftKeys, as the table is at that moment (a
// LookupSource); a LEFT join pads a row without match with NULLs. Rows
// that change in the table later do not touch rows already joined.
// Output rows have the left row's kind. Keys that are looked up are
// fetched once per batch of left rows, through the cache when configured.
type LookupTableJoin struct {
	base
	// Name is the dimension table's, for errors.
	Name string
	// NewSource builds the dimension table's source (at Open).
	NewSource func() (LookupSource, error)
	Left      bool
	// Keys are the dimension table's key columns (TableSpec.Columns
	// positions); LeftKeys the values they must equal, over the left row.
	Keys     []int
	LeftKeys []expr.Expr
	// Prep computes the right row (the table's columns, computed ones
	// included) from a looked-up row; nil: as looked up.
	Prep                  []expr.Expr
	Cond                  expr.Expr // over the joined row; nil: keys only
	LeftWidth, RightWidth int
	Options               LookupOptions
	// now is the clock (tests replace it).
	now func() time.Time

	src    LookupSource
	cache  map[string]*list.Element
	lru    *list.List
	keyBuf []byte
	out    []Rec
	arena  arena
}

type lookupEntry struct {
	key              string
	rows             []types.Row
	written, touched time.Time
}

var _ Op = (*LookupTableJoin)(nil)

// Open implements Op: it builds and opens the lookup source.
func (j *LookupTableJoin) Open(c *OpContext) error {
	j.oc = c
	if j.now == nil {
		j.now = time.Now
	}
	j.cache, j.lru = map[string]*list.Element{}, list.New()
	src, err := j.NewSource()
	if err != nil {
		return fmt.Errorf("lookup table %s: %w", j.Name, err)
	}
	j.src = src
	if err := src.OpenLookup(c.Ctx, j.Keys); err != nil {
		return fmt.Errorf("lookup table %s: %w", j.Name, err)
	}
	return nil
}

// Close implements Op.
func (j *LookupTableJoin) Close() error {
	if s, ok := j.src.(interface{ Close() error }); ok {
		return s.Close()
	}
	return nil
}

func (j *LookupTableJoin) key(row types.Row) (types.Row, []byte, bool) {
	j.keyBuf = j.keyBuf[:0]
	vals := make(types.Row, len(j.LeftKeys))
	for i, k := range j.LeftKeys {
		v := k.Eval(row)
		if v.IsNull() {
			return nil, nil, false // NULL matches nothing
		}
		vals[i] = v
		j.keyBuf = types.AppendKey(j.keyBuf, v)
	}
	return vals, j.keyBuf, true
}

// cached returns the cached rows of key, dropping an expired entry.
func (j *LookupTableJoin) cached(key string, now time.Time) ([]types.Row, bool) {
	el, ok := j.cache[key]
	if !ok {
		return nil, false
	}
	e := el.Value.(*lookupEntry)
	c := j.Options.Cache
	if (c.ExpireAfterWrite > 0 && now.Sub(e.written) >= c.ExpireAfterWrite) ||
		(c.ExpireAfterAccess > 0 && now.Sub(e.touched) >= c.ExpireAfterAccess) {
		j.lru.Remove(el)
		delete(j.cache, key)
		return nil, false
	}
	e.touched = now
	j.lru.MoveToFront(el)
	return e.rows, true
}

func (j *LookupTableJoin) store(key string, rows []types.Row, now time.Time) {
	c := j.Options.Cache
	if !c.Partial || (len(rows) == 0 && !c.CacheMissingKey) {
		return
	}
	j.cache[key] = j.lru.PushFront(&lookupEntry{key: key, rows: rows, written: now, touched: now})
	for c.MaxRows > 0 && j.lru.Len() > c.MaxRows {
		old := j.lru.Back()
		j.lru.Remove(old)
		delete(j.cache, old.Value.(*lookupEntry).key)
	}
}

// lookup fetches keys from the source, retrying failures.
func (j *LookupTableJoin) lookup(keys []types.Row) ([][]types.Row, error) {
	var err error
	for attempt := 0; ; attempt++ {
		var rows [][]types.Row
		if rows, err = j.src.Lookup(j.oc.Ctx, keys); err == nil {
			return rows, nil
		}
		if attempt >= j.Options.MaxRetries || j.oc.Ctx.Err() != nil {
			return nil, fmt.Errorf("lookup table %s: %w", j.Name, err)
		}
		select {
		case <-time.After(time.Duration(attempt+1) * 100 * time.Millisecond):
		case <-j.oc.Ctx.Done():
			return nil, j.oc.Ctx.Err()
		}
	}
}

// Process implements Op.
func (j *LookupTableJoin) Process(recs []Rec) error {
	now := j.now()
	type probe struct {
		key   string
		found []types.Row
		miss  bool // to look up
	}
	probes := make([]probe, len(recs))
	pending := map[string]int{} // key -> index in missing
	var missing []types.Row
	for i := range recs {
		vals, kb, ok := j.key(recs[i].Row)
		if !ok {
			continue
		}
		k := string(kb)
		probes[i].key = k
		if rows, hit := j.cached(k, now); hit {
			probes[i].found = rows
			continue
		}
		probes[i].miss = true
		if _, dup := pending[k]; !dup {
			pending[k] = len(missing)
			missing = append(missing, vals)
		}
	}
	if len(missing) > 0 {
		got, err := j.lookup(missing)
		if err != nil {
			return err
		}
		fetched := make(map[string][]types.Row, len(pending))
		for k, at := range pending {
			var rows []types.Row
			if at < len(got) {
				rows = got[at]
			}
			if j.Prep != nil {
				for i, r := range rows {
					full := make(types.Row, len(j.Prep))
					for c, e := range j.Prep {
						full[c] = e.Eval(r)
					}
					rows[i] = full
				}
			}
			j.store(k, rows, now)
			fetched[k] = rows
		}
		for i := range probes {
			if probes[i].miss {
				probes[i].found = fetched[probes[i].key]
			}
		}
	}
	j.out = j.out[:0]
	j.arena.reset()
	for i := range recs {
		r := &recs[i]
		matched := false
		for _, right := range probes[i].found {
			row := j.joined(r.Row, right)
			if j.Cond != nil && !j.Cond.Eval(row).Bool() {
				continue
			}
			matched = true
			j.out = append(j.out, Rec{Row: row, Kind: r.Kind, Ts: r.Ts})
		}
		if !matched && j.Left {
			j.out = append(j.out, Rec{Row: j.joined(r.Row, nil), Kind: r.Kind, Ts: r.Ts})
		}
	}
	return j.emit(j.out)
}

func (j *LookupTableJoin) joined(l, r types.Row) types.Row {
	row := j.arena.row(j.LeftWidth + j.RightWidth)
	copy(row, l)
	if r != nil {
		copy(row[j.LeftWidth:], r)
	} else {
		clear(row[j.LeftWidth:])
	}
	return row
}
