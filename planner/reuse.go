package planner

import (
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/expr"
	"github.com/tumble/tumble/sql"
)

// Sub-plan reuse, as Flink's table.optimizer.reuse-sub-plan-enabled and
// table.optimizer.reuse-source-enabled: structurally identical subtrees
// of a plan (the same operators with the same configuration over the same
// inputs, whatever their output columns are named) are computed once, and
// their output goes to every consumer through an engine.Tee. A self-join
// reads its table once; Nexmark's q5 computes its window aggregate once;
// the views bid, auction and person over one table scan it once (the
// columns read are those any of them needs).
//
// Not reused, as in Flink: a subtree with a nondeterministic function
// (RAND, UUID, NOW, CURRENT_TIMESTAMP, ...; a PROCTIME() computed column
// of a scan is the source's time attribute and does not count), the
// versioned side of a temporal join and the table side of a lookup join,
// and sinks. EXPLAIN marks the first occurrence of a reused subtree
// (reuse_id=[N]) and prints each later one as Reused(reference_id=[N]).

// reuse is what findReuse found: the canonical id of each reusable node
// and the ids built once for several consumers.
type reuse struct {
	ids    map[Node]int
	shared map[int]bool
}

// sharedID returns the canonical id of n if n is built once and fanned
// out to its consumers.
func (r *reuse) sharedID(n Node) (int, bool) {
	if r == nil {
		return 0, false
	}
	id, ok := r.ids[unwrapRenamed(n)]
	return id, ok && r.shared[id]
}

// canonical returns the canonical id of a reusable node.
func (r *reuse) canonical(n Node) (int, bool) {
	if r == nil {
		return 0, false
	}
	id, ok := r.ids[unwrapRenamed(n)]
	return id, ok
}

func unwrapRenamed(n Node) Node {
	for {
		r, ok := n.(*renamed)
		if !ok {
			return n
		}
		n = r.Node
	}
}

// reuseEnabled reads the two Flink settings (both true by default).
func (pl *Planner) reuseEnabled() (subPlans, sources bool) {
	on := func(key string) bool {
		v, ok := pl.Setting(key)
		return !ok || !strings.EqualFold(strings.TrimSpace(v), "false")
	}
	subPlans = on("table.optimizer.reuse-sub-plan-enabled")
	return subPlans, subPlans && on("table.optimizer.reuse-source-enabled")
}

// findReuse finds the identical subtrees of the plan under root. A node is
// shared when its canonical id has two or more distinct consumers (a
// consumer is a canonical parent and the input position): the inner nodes
// of a shared subtree are then counted once, so that a scan read both
// inside a reused subtree and elsewhere is shared too. subPlans and
// sources say which kinds of nodes may be shared (sources: scans, with
// their watermark assigner).
func findReuse(root Node, subPlans, sources bool) *reuse {
	f := &reuseFinder{keys: map[string]int{}, ids: map[Node]int{}, consumers: map[int]map[[2]int]bool{},
		once: map[Node]bool{}, conflict: map[Node]bool{}, d: newDigester()}
	f.visit(root, false)
	r := &reuse{ids: f.ids, shared: map[int]bool{}}
	for n, id := range f.ids {
		if f.conflict[n] || len(f.consumers[id]) < 2 {
			continue
		}
		if isSource(n) {
			r.shared[id] = sources
		} else {
			r.shared[id] = subPlans
		}
	}
	for n := range f.conflict {
		delete(r.ids, n)
	}
	return r
}

// isSource: a table scan, or the watermark assigner over one.
func isSource(n Node) bool {
	switch n := n.(type) {
	case *Scan:
		return true
	case *WatermarkAssigner:
		_, ok := unwrapRenamed(n.Input).(*Scan)
		return ok
	}
	return false
}

type reuseFinder struct {
	keys      map[string]int
	ids       map[Node]int
	consumers map[int]map[[2]int]bool
	once      map[Node]bool // nodes met where they may not be reused
	conflict  map[Node]bool // a node met both reusable and not
	next      int
	d         *digester
}

func (f *reuseFinder) fresh() int {
	f.next++
	return f.next
}

// visit returns the canonical id of n and whether n may be reused; blocked
// is true under a side that is never reused.
func (f *reuseFinder) visit(n Node, blocked bool) (int, bool) {
	n = unwrapRenamed(n)
	ins := n.Inputs()
	kids := make([]int, len(ins))
	ok := !blocked && reusableKind(n)
	for i, in := range ins {
		id, r := f.visit(in, blocked || neverReusedInput(n, i))
		kids[i] = id
		ok = ok && r
	}
	var id int
	if ok {
		own, det := f.d.node(n, ins, kids)
		ok = det
		if ok {
			key := own
			var found bool
			if id, found = f.keys[key]; !found {
				id = f.fresh()
				f.keys[key] = id
			}
			if prev, seen := f.ids[n]; (seen && prev != id) || f.once[n] {
				f.conflict[n] = true
			}
			f.ids[n] = id
		}
	}
	if !ok {
		id = f.fresh()
		f.once[n] = true
		if _, seen := f.ids[n]; seen {
			f.conflict[n] = true
		}
	}
	for i, k := range kids {
		c := f.consumers[k]
		if c == nil {
			c = map[[2]int]bool{}
			f.consumers[k] = c
		}
		c[[2]int{id, i}] = true
	}
	return id, ok
}

// reusableKind: sinks and lookup joins are never reused.
func reusableKind(n Node) bool {
	switch n.(type) {
	case *Sink, *LookupJoin:
		return false
	}
	return true
}

// neverReusedInput: the versioned table of a temporal join and the table
// side of a stream-table lookup join are not reused (nor anything in them).
func neverReusedInput(n Node, i int) bool {
	switch n := n.(type) {
	case *TemporalJoin:
		return i == 1
	case *JoinNode:
		return i == 1 && n.Kind == engine.LookupJoin
	}
	return false
}

// digester renders a plan node's configuration (its fields other than its
// inputs) as a string that two nodes share exactly when they compute the
// same thing: names given to columns (aliases, AS ..., qualifiers) and SQL
// positions are left out; inputs are their canonical ids; functions are
// their code. It notes nondeterministic function calls.
type digester struct {
	memo   map[ptrKey]memoEntry
	busy   map[ptrKey]bool
	intern map[string]int
	nondet bool
	inputs map[uintptr]int // the address of each input node -> its id
	// exempt is the *expr.Call at the top of a scan's computed column,
	// whose PROCTIME() is the time attribute, not a value.
	exempt uintptr
}

type ptrKey struct {
	addr uintptr
	t    reflect.Type
}

type memoEntry struct {
	token  string
	nondet bool
}

func newDigester() *digester {
	return &digester{memo: map[ptrKey]memoEntry{}, busy: map[ptrKey]bool{}, intern: map[string]int{}}
}

var (
	nodeType = reflect.TypeOf((*Node)(nil)).Elem()
	posType  = reflect.TypeOf(sql.Pos{})
	callType = reflect.TypeOf(&expr.Call{})
	// skipped are fields that only name things.
	skipped = map[reflect.Type]map[string]bool{
		reflect.TypeOf(Field{}):      {"Name": true, "Qual": true},
		reflect.TypeOf(Scan{}):       {"Alias": true},
		reflect.TypeOf(expr.Col{}):   {"Name": true},
		reflect.TypeOf(expr.Field{}): {"Name": true},
	}
)

// node returns n's digest (its type, configuration and input ids) and
// whether it is deterministic.
func (d *digester) node(n Node, ins []Node, kids []int) (string, bool) {
	d.nondet = false
	d.inputs = map[uintptr]int{}
	for i, in := range ins {
		for _, x := range []Node{in, unwrapRenamed(in)} {
			if v := reflect.ValueOf(x); v.Kind() == reflect.Pointer {
				d.inputs[v.Pointer()] = kids[i]
			}
		}
	}
	d.exempt = 0
	var sb strings.Builder
	v := reflect.ValueOf(n)
	sb.WriteString(v.Type().String())
	if s, ok := n.(*Scan); ok {
		for _, p := range s.Prep {
			if c, ok := p.(*expr.Call); ok && c.Name == "PROCTIME" && len(c.Args) == 0 {
				// Only the first such column is the time attribute; one is
				// all a table may have.
				d.exempt = reflect.ValueOf(c).Pointer()
			}
		}
	}
	// The node itself is not memoized: its inputs make it what it is.
	d.value(&sb, v.Elem(), true)
	sb.WriteString("<-")
	for i, k := range kids {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(strconv.Itoa(k))
	}
	return sb.String(), !d.nondet
}

func (d *digester) value(sb *strings.Builder, v reflect.Value, top bool) {
	switch v.Kind() {
	case reflect.Invalid:
		sb.WriteString("nil")
	case reflect.Bool:
		sb.WriteString(strconv.FormatBool(v.Bool()))
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		sb.WriteString(strconv.FormatInt(v.Int(), 10))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		sb.WriteString(strconv.FormatUint(v.Uint(), 10))
	case reflect.Float32, reflect.Float64:
		sb.WriteString(strconv.FormatFloat(v.Float(), 'g', -1, 64))
	case reflect.Complex64, reflect.Complex128:
		fmt.Fprint(sb, v.Complex())
	case reflect.String:
		sb.WriteString(strconv.Quote(v.String()))
	case reflect.Func:
		if v.IsNil() {
			sb.WriteString("nil")
		} else {
			sb.WriteString("func@" + strconv.FormatUint(uint64(v.Pointer()), 16))
		}
	case reflect.Chan, reflect.UnsafePointer:
		sb.WriteString("ptr@" + strconv.FormatUint(uint64(v.Pointer()), 16))
	case reflect.Interface:
		if v.IsNil() {
			sb.WriteString("nil")
			return
		}
		e := v.Elem()
		sb.WriteString(e.Type().String() + ":")
		d.value(sb, e, false)
	case reflect.Pointer:
		if v.IsNil() {
			sb.WriteString("nil")
			return
		}
		if id, ok := d.inputs[v.Pointer()]; ok && v.Type().Implements(nodeType) {
			sb.WriteString("in#" + strconv.Itoa(id))
			return
		}
		if v.Type() == callType {
			if name := v.Elem().FieldByName("Name").String(); !expr.IsDeterministic(name) && v.Pointer() != d.exempt {
				d.nondet = true
			}
		}
		k := ptrKey{v.Pointer(), v.Type()}
		if m, ok := d.memo[k]; ok {
			d.nondet = d.nondet || m.nondet
			sb.WriteString(m.token)
			return
		}
		if d.busy[k] {
			sb.WriteString("cycle")
			return
		}
		d.busy[k] = true
		outer := d.nondet
		d.nondet = false
		var inner strings.Builder
		d.value(&inner, v.Elem(), false)
		delete(d.busy, k)
		s := inner.String()
		id, ok := d.intern[s]
		if !ok {
			id = len(d.intern)
			d.intern[s] = id
		}
		m := memoEntry{token: "#" + strconv.Itoa(id), nondet: d.nondet}
		d.memo[k] = m
		d.nondet = outer || m.nondet
		sb.WriteString(m.token)
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.IsNil() {
			sb.WriteString("nil")
			return
		}
		sb.WriteByte('[')
		for i := 0; i < v.Len(); i++ {
			if i > 0 {
				sb.WriteByte(',')
			}
			d.value(sb, v.Index(i), false)
		}
		sb.WriteByte(']')
	case reflect.Map:
		if v.IsNil() {
			sb.WriteString("nil")
			return
		}
		var pairs []string
		it := v.MapRange()
		for it.Next() {
			var p strings.Builder
			d.value(&p, it.Key(), false)
			p.WriteByte(':')
			d.value(&p, it.Value(), false)
			pairs = append(pairs, p.String())
		}
		sort.Strings(pairs)
		sb.WriteString("map[" + strings.Join(pairs, ",") + "]")
	case reflect.Struct:
		t := v.Type()
		if t == posType {
			return
		}
		skip := skipped[t]
		sb.WriteByte('{')
		for i := 0; i < v.NumField(); i++ {
			sf := t.Field(i)
			if skip[sf.Name] || sf.Type == posType || sf.Name == "AggNames" {
				continue
			}
			if top && sf.Anonymous && sf.Type == nodeType {
				continue
			}
			sb.WriteString(sf.Name + "=")
			d.value(sb, v.Field(i), false)
			sb.WriteByte(' ')
		}
		sb.WriteByte('}')
	default:
		sb.WriteString("?" + v.Kind().String())
	}
}
