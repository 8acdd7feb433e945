package server

import (
	"bytes"
	"encoding/json"
	"sort"
)

// kv is one member of an orderedObject.
type kv struct {
	k string
	v any
}

// orderedObject is a JSON object whose members keep their order (ksqlDB's
// answers read best in its own order).
type orderedObject []kv

func (o orderedObject) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(m.k)
		b.Write(k)
		b.WriteByte(':')
		v, err := json.Marshal(m.v)
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// sortBy sorts s by key, ascending.
func sortBy[T any](s []T, key func(T) int64) {
	sort.Slice(s, func(a, b int) bool { return key(s[a]) < key(s[b]) })
}
