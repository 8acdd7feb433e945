package expr

import (
	"regexp"
	"strings"
	"testing"

	"github.com/tumble/tumble/engine/types"
)

func TestStringFunctions(t *testing.T) {
	const corp = "CORPORATE FLOOR"
	runCases(t, flat(
		// CONCAT: ksqlDB skips NULLs, Flink is NULL.
		k("CONCAT", "ab", "a", nil, "b"),
		f("CONCAT", "NULL", "a", nil, "b"),
		both("CONCAT", "prefix-s1-postfix", "prefix-", "s1", "-postfix"),
		k("CONCAT", "0x6162", bytesOf("a"), bytesOf("b")),
		k("CONCAT", "ERROR", "a", 1),
		both("CONCAT_WS", "apple, banana, date", ", ", "apple", "banana", nil, "date"),
		both("CONCAT_WS", "NULL", nil, "a"),
		f("CONCAT_WS", "AA~BB~~CC", "~", "AA", nil, "BB", "", "CC"),

		// SUBSTRING: 1-based, 0 as 1, negative from the end.
		both("SUBSTRING", "string", "some_string", 6),
		both("SUBSTRING", "er", "another", 6),
		both("SUBSTRING", "", "short", 6),
		both("SUBSTRING", "str", "some_string", 6, 3),
		both("SUBSTRING", "so", "some string", 0, 2),
		both("SUBSTRING", "stre", "stream", 1, 4),
		both("SUBSTRING", "eam", "stream", -3),
		both("SUBSTRING", "st", "stream", -10, 2),
		both("SUBSTRING", "", "abc", 10),
		both("SUBSTRING", "", "abc", 2, -1),
		both("SUBSTRING", "NULL", nil, 1),
		both("SUBSTRING", "NULL", "abc", nil),
		both("SUBSTRING", "NULL", "abc", 1, nil),
		k("SUBSTRING", "0x6263", bytesOf("abcd"), 2, 2),
		both("SUBSTR", "bc", "abc", 2),

		// TRIM
		k("TRIM", "with white space", " \t with white space \t"),
		f("TRIM", "\ta", "  \ta  "),
		f("TRIM", "axx", "LEADING", "x", "xxaxx"),
		f("TRIM", "xxa", "TRAILING", "x", "xxaxx"),
		f("TRIM", "a", "BOTH", "xy", "xyaxy"),
		f("TRIM", "a", "BOTH", " ", "  a  "),
		both("LTRIM", "a ", "  a "),
		both("RTRIM", "  a", "  a "),
		f("LTRIM", "a", "xxa", "x"),

		// case
		both("UPPER", "ABC", "aBc"),
		both("UCASE", "ABC", "aBc"),
		both("LCASE", "abc", "aBc"),
		k("INITCAP", "Hello World-foo  Bar", "hello wORLD-foo  bAR"),
		f("INITCAP", "Hello World-Foo", "hello wORLD-foo"),

		// padding: an empty pad or negative length is NULL.
		both("LPAD", "BarBFoo", "Foo", 7, "Bar"),
		both("LPAD", "Fo", "Foo", 2, "Bar"),
		both("LPAD", "Ba", "", 2, "Bar"),
		both("LPAD", "00123", "123", 5, "0"),
		both("LPAD", "NULL", "Foo", 7, ""),
		both("LPAD", "NULL", "Foo", -1, "x"),
		both("LPAD", "??hi", "hi", 4, "??"),
		both("LPAD", "h", "hi", 1, "??"),
		both("RPAD", "FooBarB", "Foo", 7, "Bar"),
		both("RPAD", "Fo", "Foo", 2, "Bar"),
		both("RPAD", "Ba", "", 2, "Bar"),
		k("RPAD", "0x610000", bytesOf("a"), 3, bytesOf("\x00")),

		// INSTR with position and occurrence, forward and backward.
		both("INSTR", "2", corp, "OR"),
		both("INSTR", "5", corp, "OR", 3),
		both("INSTR", "14", corp, "OR", 3, 2),
		both("INSTR", "5", corp, "OR", -3),
		both("INSTR", "2", corp, "OR", -3, 2),
		both("INSTR", "0", corp, "MISSING"),
		both("INSTR", "15", "should I stay or should I go", "or"),
		both("INSTR", "0", "short", "or", -4),
		both("INSTR", "14", "corporate floor", "or", 4, 2),
		both("INSTR", "5", "corporate floor", "or", -4),
		f("POSITION", "2", "b", "abc"),
		f("POSITION", "0", "x", "abc"),
		f("LOCATE", "4", "b", "abcb", 3),
		f("LOCATE", "2", "b", "abcb", 0),

		// CHR: ksqlDB code points and \u escapes; Flink the low byte.
		k("CHR", "K", 75),
		k("CHR", "好", 22909),
		k("CHR", "𘊸", 99000),
		k("CHR", "NULL", -1),
		k("CHR", "K", `\u004b`),
		k("CHR", "好", `\u597d`),
		k("CHR", "𘊸", `\ud820\udeb8`),
		k("CHR", "NULL", "75"),
		k("CHR", "NULL", "004b"),
		k("CHR", "NULL", "bogus"),
		k("CHR", "NULL", ""),
		f("CHR", "a", 97),
		f("CHR", "a", 353),
		f("ASCII", "97", "abc"),
		f("ASCII", "0", ""),

		// ENCODE
		k("ENCODE", "Example!", "4578616d706C6521", "hex", "ascii"),
		k("ENCODE", "Ελλάδα", "ce95cebbcebbceacceb4ceb1", "hex", "utf8"),
		k("ENCODE", strings.Repeat("\uFFFD", 12), "ce95cebbcebbceacceb4ceb1", "hex", "ascii"),
		k("ENCODE", "RXhhbXBsZSE=", "0x4578616d706C6521", "hex", "base64"),
		k("ENCODE", "Example!", "X'4578616d706C6521'", "hex", "utf8"),
		k("ENCODE", "Example!", "x'4578616d706C6521'", "hex", "utf8"),
		k("ENCODE", "", "0x", "hex", "utf8"),
		k("ENCODE", "", "X''", "hex", "utf8"),
		k("ENCODE", "NULL", "0x0x", "hex", "utf8"),
		k("ENCODE", "NULL", "X'", "hex", "utf8"),
		k("ENCODE", "NULL", "x'4578616d706C6521", "hex", "utf8"),
		k("ENCODE", "NULL", "x'578616d706C6521'", "hex", "utf8"),
		k("ENCODE", "\x05xample!", "0x578616d706C6521", "hex", "utf8"),
		k("ENCODE", "NULL", "578616d706C6521", "hex", "utf8"),
		k("ENCODE", "3f3f3f3f3f3f", "Ελλάδα", "ascii", "hex"),
		k("ENCODE", "??????", "Ελλάδα", "ascii", "utf8"),
		k("ENCODE", "Pz8/Pz8/", "Ελλάδα", "ascii", "base64"),
		k("ENCODE", "4578616d706c6521", "RXhhbXBsZSE=", "base64", "hex"),
		k("ENCODE", "Ελλάδα", "zpXOu867zqzOtM6x", "base64", "utf8"),
		k("ENCODE", "NULL", "RXhhbXBsZSE=", "base64", "null"),
		k("ENCODE", "NULL", "RXhhbXBsZSE=", "null", "utf8"),
		k("ENCODE", "NULL", nil, "hex", "utf8"),
		k("TO_BYTES", "0x4578", "4578", "hex"),
		k("TO_BYTES", "0x4578", "RXg=", "base64"),
		k("FROM_BYTES", "RXg=", bytesOf("Ex"), "base64"),
		k("FROM_BYTES", "4578", bytesOf("Ex"), "hex"),
		k("FROM_BYTES", "NULL", bytesOf("Ex"), "ebcdic"),
		k("INT_FROM_BYTES", "2021", bytesOf("\x00\x00\x07\xe5"), "BIG_ENDIAN"),
		k("INT_FROM_BYTES", "2021", bytesOf("\xe5\x07\x00\x00"), "LITTLE_ENDIAN"),
		k("INT_FROM_BYTES", "NULL", bytesOf("\x00\x07\xe5")),
		k("BIGINT_FROM_BYTES", "5000000000", bytesOf("\x00\x00\x00\x01\x2a\x05\xf2\x00")),
		k("DOUBLE_FROM_BYTES", "532.8738323", bytesOf("\x40\x80\xa6\xfd\x9b\xc9\xf5\x82")),
		f("ENCODE", "0x6869", "hi", "UTF-8"),
		f("DECODE", "hi", bytesOf("hi"), "UTF-8"),
		f("DECODE", "hi", bytesOf("\x00h\x00i"), "UTF-16BE"),

		// MASK family
		k("MASK", "Xx-Xxxx--nnn", "My Test $123"),
		k("MASK", "*y *est $111", "My Test $123", "*", nil, "1", nil),
		k("MASK", "NULL", nil),
		k("MASK_KEEP_LEFT", "My Txxx--nnn", "My Test $123", 4),
		k("MASK_KEEP_RIGHT", "Xx-Xxxx-$123", "My Test $123", 4),
		k("MASK_LEFT", "Xx-Xest $123", "My Test $123", 4),
		k("MASK_RIGHT", "My Test -nnn", "My Test $123", 4),
		k("MASK_LEFT", "Xx-Xxxx--nnn", "My Test $123", 40),
		k("MASK_LEFT", "NULL", "My Test $123", -1),

		// splitting
		k("SPLIT", `["a","b","","c",""]`, "a,b,,c,", ","),
		k("SPLIT", `["a","b","c"]`, "abc", ""),
		k("SPLIT", `["abc"]`, "abc", "x"),
		k("SPLIT", `["","a"]`, ",a", ","),
		k("SPLIT", "NULL", nil, ","),
		k("SPLIT_TO_MAP", `{"apple":"green","banana":"yellow","cherry":"red"}`, "apple:green/banana:yellow/cherry:red", "/", ":"),
		k("SPLIT_TO_MAP", `{"apple":"green/banana"}`, "apple:green/banana:yellow/cherry:red", "&&", ":"),
		k("SPLIT_TO_MAP", `{"apple":"green","banana":"yellow","cherry":"red"}`, "apple:green//banana:yellow//cherry:red/", "/", ":"),
		k("SPLIT_TO_MAP", `{}`, "apple:green/banana:yellow", "/", "="),
		k("SPLIT_TO_MAP", "NULL", "apple:green", "", ":"),
		k("SPLIT_TO_MAP", "NULL", "apple:green", "/", ""),
		k("SPLIT_TO_MAP", `{}`, "", "/", ":"),
		k("SPLIT_TO_MAP", `{"a":"2"}`, "a:1/a:2", "/", ":"),
		f("SPLIT_INDEX", "b", "a,b,c", ",", 1),
		f("SPLIT_INDEX", "NULL", "a,b,c", ",", -1),
		f("SPLIT_INDEX", "NULL", "a,b,c", ",", 3),
		f("SPLIT_INDEX", "", "a,,c", ",", 1),
		f("STR_TO_MAP", `{"a":"1","b":"2"}`, "a=1,b=2"),
		f("STR_TO_MAP", `{"a":"1","b":null}`, "a:1;b", ";", ":"),
		f("STR_TO_MAP", `{}`, ""),

		// regular expressions
		k("REGEXP_EXTRACT", "there", "(.*) (.*)", "hello there", 2),
		k("REGEXP_EXTRACT", "hello there", "(.*) (.*)", "hello there"),
		k("REGEXP_EXTRACT", "NULL", "x", "abc"),
		k("REGEXP_EXTRACT", "NULL", "(a)", "abc", 3),
		f("REGEXP_EXTRACT", "bar", "foothebar", "foo(.*?)(bar)", 2),
		f("REGEXP_EXTRACT", "foothebar", "foothebar", "foo(.*?)(bar)"),
		f("REGEXP_EXTRACT", "NULL", "foothebar", "(", 0),
		k("REGEXP_EXTRACT_ALL", `["there","day"]`, `(\w+) (\w+)`, "hello there nice day", 2),
		k("REGEXP_EXTRACT_ALL", `["hello there","nice day"]`, `(\w+) (\w+)`, "hello there nice day"),
		k("REGEXP_EXTRACT_ALL", `[]`, "x", "abc"),
		f("REGEXP_EXTRACT_ALL", `["1","2"]`, "a1b2", `[a-z](\d)`),
		both("REGEXP_REPLACE", "fb", "foobar", "oo|ar", ""),
		both("REGEXP_REPLACE", "a[b]c", "abc", "(b)", "[$1]"),
		both("REGEXP_REPLACE", "NULL", "abc", nil, "x"),
		k("REGEXP_SPLIT_TO_ARRAY", `["a","b","c"]`, "a--b-c", "-+"),
		k("REGEXP_SPLIT_TO_ARRAY", `["","a",""]`, "-a-", "-"),
		k("REGEXP_SPLIT_TO_ARRAY", `["abc"]`, "abc", "x"),
		k("REGEXP_SPLIT_TO_ARRAY", `["a","b","c"]`, "abc", ""),
		f("REGEXP", "TRUE", "abc", "b"),
		f("REGEXP", "FALSE", "abc", "^b"),

		// assorted Flink strings
		f("OVERLAY", "xxxxxxxxx", "xxxxxtest", "xxxx", 6),
		f("OVERLAY", "xxxxxxxxxst", "xxxxxtest", "xxxx", 6, 2),
		f("HASH_CODE", "96354", "abc"),
		f("HASH_CODE", "0", ""),
		both("MD5", "900150983cd24fb0d6963f7d28e17f72", "abc"),
		f("SHA1", "a9993e364706816aba3e25717850c26c9cd0d89d", "abc"),
		f("SHA256", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "abc"),
		f("SHA2", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "abc", 256),
		f("SHA2", "NULL", "abc", 100),
		f("HEX", "14", 20),
		f("HEX", "68656C6C6F2C776F726C64", "hello,world"),
		f("BIN", "1100", 12),
		both("LEN", "3", "abc"),
		both("CHAR_LENGTH", "2", "好x"),
		k("LEN", "2", bytesOf("ab")),
		f("REPEAT", "abab", "ab", 2),
		f("REPEAT", "", "ab", -1),
		f("LEFT", "ab", "abc", 2),
		f("RIGHT", "", "abc", -1),
		f("RIGHT", "bc", "abc", 2),
		both("REVERSE", "cba", "abc"),
		both("REPLACE", "-a-b-", "ab", "", "-"),
		f("TO_BASE64", "aGVsbG8gd29ybGQ=", "hello world"),
		f("FROM_BASE64", "hello world", "aGVsbG8gd29ybGQ="),
		f("FROM_BASE64", "NULL", "%%%"),
		f("IS_ALPHA", "TRUE", "abc"),
		f("IS_DIGIT", "FALSE", "12a"),
		f("IS_DECIMAL", "TRUE", "1.5"),
		f("IS_DECIMAL", "FALSE", "abc"),
		f("IS_DECIMAL", "FALSE", nil),
	))
}

func TestUUID(t *testing.T) {
	re := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	a, _ := call(true, "UUID")
	b, _ := call(true, "UUID")
	if !re.MatchString(a) || a == b {
		t.Errorf("UUID() = %q, %q", a, b)
	}
	if IsDeterministic("UUID") {
		t.Error("UUID must not be constant-folded")
	}
}

func TestStringResultTypes(t *testing.T) {
	for _, c := range []struct {
		ksql bool
		name string
		args []any
		want types.Kind
	}{
		{true, "SPLIT", []any{"a", ","}, types.Array},
		{true, "LEN", []any{"a"}, types.Int},
		{true, "INSTR", []any{"a", "b"}, types.Int},
		{true, "TO_BYTES", []any{"a", "hex"}, types.Bytes},
		{false, "HASH_CODE", []any{"a"}, types.Int},
		{true, "SPLIT_TO_MAP", []any{"a", "b", "c"}, types.Map},
	} {
		_, typ := call(c.ksql, c.name, c.args...)
		if typ.Kind != c.want {
			t.Errorf("%s: type %s, want %s", c.name, typ, c.want)
		}
	}
}
