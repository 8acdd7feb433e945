package sql

// RawStatement is one complete statement found by Split: its text without
// the terminating semicolon (and without surrounding white space and
// comments, but for hints, /*+ ... */, which belong to it) and the
// position where it starts.
type RawStatement struct {
	Text  string
	Start Pos
}

// Split cuts text into the statements ended by a semicolon outside
// strings, quoted identifiers and comments, and returns them with the
// unfinished remainder. rest is "" when nothing but white space and
// comments follows the last semicolon; otherwise it is the text after the
// last semicolon as written (it may start with white space). Empty
// statements (just ";" or comments) are dropped. A REPL reads lines until
// rest is "" and runs the statements. Split never fails; unterminated
// strings or comments stay in rest. It is safe for concurrent use.
func Split(text string) (stmts []RawStatement, rest string) {
	toks, lerr := lex(text, 0, len(text))
	li := newLineIndex(text)
	pieces, tail, restOff := splitPieces(toks)
	for _, pc := range pieces {
		stmts = append(stmts, RawStatement{
			Text:  text[pc[0].off:hintTail(text, pc[len(pc)-1].end)],
			Start: li.pos(pc[0].off),
		})
	}
	if len(tail) > 0 || lerr != nil {
		rest = text[restOff:]
	}
	return stmts, rest
}

// splitPieces groups tokens into the statements ended by ';' (pieces,
// without the ';' and never empty) and the tokens after the last ';'
// (tail). restOff is the offset just after the last ';' (0 if none).
func splitPieces(toks []token) (pieces [][]token, tail []token, restOff int) {
	start := 0
	for i, t := range toks {
		if t.isOp(";") {
			if i > start {
				pieces = append(pieces, toks[start:i:i])
			}
			start = i + 1
			restOff = t.end
		}
	}
	return pieces, toks[start:], restOff
}
