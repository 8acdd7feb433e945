package sql

import "strings"

// Hints are comments that start with "/*+". The lexer skips them with the
// other comments; the rewriter looks for one right after a table name in
// FROM, where Flink takes the dynamic table options hint:
//
//	SELECT ... FROM t /*+ OPTIONS('scan.startup.mode' = 'earliest-offset') */
//
// A hint comment holds hints separated by commas, each a name with an
// optional parenthesized argument list; OPTIONS is kept, and so is
// STATE_TTL after a SELECT keyword; the others (join and lookup hints) are
// ignored, with a note (Statement.Notes).

// noteHint notes a hint that has no effect.
func (p *parser) noteHint(name token) {
	switch h := strings.ToUpper(name.val); h {
	case "BROADCAST", "SHUFFLE_HASH", "SHUFFLE_MERGE", "NEST_LOOP":
		p.note("The hint %s has no effect: Flink's join strategy hints choose batch join algorithms, and Tumble's joins are streaming joins.", h)
	case "LOOKUP":
		p.note("The hint LOOKUP has no effect: Tumble's lookup joins are synchronous and do not retry a lookup that misses.")
	default:
		p.note("The hint %s is not known to Tumble: it has no effect.", h)
	}
}

// skipGap walks the white space and comments of src from i, calling hint
// with the offsets of each hint comment (its start, and the start and end
// of its body); it returns the offset of the first other character.
func skipGap(src string, i int, hint func(start, lo, hi int)) int {
	for i < len(src) {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			i++
		case strings.HasPrefix(src[i:], "--"):
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case strings.HasPrefix(src[i:], "/*"):
			end := strings.Index(src[i+2:], "*/")
			if end < 0 {
				return i // the lexer reports it
			}
			end += i + 2
			if src[i+2] == '+' {
				hint(i, i+3, end)
			}
			i = end + 2
		default:
			return i
		}
	}
	return i
}

// hintTail returns the end of the last hint comment among the white space
// and comments that follow offset end, or end if there is none.
func hintTail(src string, end int) int {
	skipGap(src, end, func(_, _, hi int) { end = hi + 2 })
	return end
}

// tableHints reads the hint comments that follow a table name ending at
// byte offset from, and sets tr's options from their OPTIONS hints.
func (p *parser) tableHints(tr *TableRef, from int) {
	skipGap(p.src, from, func(start, lo, hi int) { p.hintComment(tr, start, lo, hi) })
}

// hintComment parses the hints in src[lo:hi], a comment starting at start.
func (p *parser) hintComment(tr *TableRef, start, lo, hi int) {
	p.eachHint(lo, hi, func(h *parser, name token) bool {
		if name.val != "OPTIONS" {
			return false
		}
		if tr.Options != nil {
			h.fail(name, "OPTIONS hint given twice")
		}
		tr.HintPos = p.pos(start)
		tr.Options = h.options()
		if len(tr.Options) == 0 {
			h.fail(name, "OPTIONS hint needs at least one option")
		}
		return true
	})
}

// eachHint parses the hints in src[lo:hi]: a hint name, then arguments in
// parentheses that read reads (when it knows the hint and returns true)
// or that are skipped.
func (p *parser) eachHint(lo, hi int, read func(h *parser, name token) bool) {
	toks, lerr := lex(p.src, lo, hi)
	if lerr != nil {
		panic(parseError{p.errAt(lerr.off, "%s", lerr.msg)})
	}
	h := newParser(p.src, p.lines, p.d, toks)
	h.notes = p.notes
	for h.peek().kind != tkEOF {
		name := h.next()
		if name.kind != tkWord {
			h.unexpected(name, "a hint name such as OPTIONS")
		}
		if !read(h, name) {
			// Another hint: its arguments are not read.
			if h.peek().isOp("(") {
				h.i = h.brackets()[h.i] + 1
			}
			h.noteHint(name)
		}
		if !h.acceptOp(",") {
			break
		}
	}
	if t := h.peek(); t.kind != tkEOF {
		h.unexpected(t, "\",\" or the end of the hint")
	}
}

// queryHints reads the hint comments that follow a SELECT keyword ending
// at byte offset from: Flink's STATE_TTL('table or alias' = 'duration',
// ...), kept per SELECT (by the keyword's offset) for the converter.
func (r *rewriter) queryHints(selectOff, from int) {
	skipGap(r.p.src, from, func(start, lo, hi int) {
		r.p.eachHint(lo, hi, func(h *parser, name token) bool {
			if name.val != "STATE_TTL" {
				return false
			}
			opts := h.options()
			if len(opts) == 0 {
				h.fail(name, "STATE_TTL hint needs at least one 'table' = 'duration'")
			}
			if r.stateTTL == nil {
				r.stateTTL = map[int][]Option{}
			}
			r.stateTTL[selectOff] = append(r.stateTTL[selectOff], opts...)
			return true
		})
	})
}
