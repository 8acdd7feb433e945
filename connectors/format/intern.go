package format

// interner returns shared strings for byte slices it has seen before, so a
// low-cardinality column (a status, a user id among a few) costs no
// allocation per record. It watches its hit rate and switches itself off
// for columns whose values rarely repeat.
type interner struct {
	cache   [64]string // direct-mapped, in front of m
	m       map[string]string
	lookups uint32
	hits    uint32
	off     bool
}

const (
	internMaxLen     = 64   // longer strings are not interned
	internMaxEntries = 4096 // the table stops growing here
	internWindow     = 8192 // lookups between hit-rate checks
)

func newInterner() *interner { return &interner{m: make(map[string]string, 64)} }

func (in *interner) get(b []byte) string {
	if in.off || len(b) > internMaxLen {
		return string(b)
	}
	if len(b) == 0 {
		return ""
	}
	in.lookups++
	slot := &in.cache[(uint(len(b))*31+uint(b[0])*7+uint(b[len(b)-1]))&63]
	if *slot == string(b) {
		in.hits++
		return *slot
	}
	s, ok := in.m[string(b)] // no allocation for the lookup
	if ok {
		in.hits++
		*slot = s
	} else {
		s = string(b)
		if len(in.m) < internMaxEntries {
			in.m[s] = s
		}
	}
	if in.lookups >= internWindow {
		if in.hits < in.lookups/2 {
			in.off, in.m, in.cache = true, nil, [64]string{}
		}
		in.lookups, in.hits = 0, 0
	}
	return s
}
