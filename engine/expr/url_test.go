package expr

import "testing"

func TestURLFunctions(t *testing.T) {
	fb := "http://facebook.com/path1/p.php?k1=v1&k2=v2#Ref1"
	runCases(t, flat(
		k("URL_ENCODE_PARAM", "%3Ffoo+%24bar", "?foo $bar"),
		k("URL_ENCODE_PARAM", "hello%26world", "hello&world"),
		k("URL_ENCODE_PARAM", "nothing", "nothing"),
		k("URL_ENCODE_PARAM", "a*b_c.d-e%7E%C3%A9", "a*b_c.d-e~é"),
		k("URL_DECODE_PARAM", "?foo $bar", "%3Ffoo+%24bar"),
		k("URL_DECODE_PARAM", "hello&world", "hello%26world"),
		k("URL_DECODE_PARAM", "url encoded", "url%20encoded"),
		k("URL_DECODE_PARAM", "NULL", "%zz"),

		k("URL_EXTRACT_FRAGMENT", "fragment", "http://www.test.com/?query#fragment"),
		k("URL_EXTRACT_FRAGMENT", "NULL", "http://www.nofragment.com"),
		k("URL_EXTRACT_FRAGMENT", "frag space", "http://test.com#frag%20space"),
		k("URL_EXTRACT_HOST", "www.test.com", "http://www.test.com/?query#fragment"),
		k("URL_EXTRACT_HOST", "confluent.io", "http://test@confluent.io:8080"),
		k("URL_EXTRACT_HOST", "NULL", "not a url"),
		k("URL_EXTRACT_PARAMETER", "a", "http://www.test.com/?one=a&two=b&three", "one"),
		k("URL_EXTRACT_PARAMETER", "b", "http://www.test.com/?one=a&two=b&three", "two"),
		k("URL_EXTRACT_PARAMETER", "NULL", "http://www.test.com/?one=a&two=b&three", "three"),
		k("URL_EXTRACT_PARAMETER", "NULL", "http://www.test.com/?one=a", "four"),
		k("URL_EXTRACT_PARAMETER", "c d", "http://test.com?a%20b=c%20d", "a b"),
		k("URL_EXTRACT_PARAMETER", "url encoded", "http://www.test.com/?one=a&two=url%20encoded", "two"),
		k("URL_EXTRACT_PATH", "", "http://www.test.com?query#fragment"),
		k("URL_EXTRACT_PATH", "/path", "http://www.test.com/path?query"),
		k("URL_EXTRACT_PATH", "/nested/path", "http://test@confluent.io:8080/nested/path?query&jobs"),
		k("URL_EXTRACT_PORT", "NULL", "http://test@confluent.io"),
		k("URL_EXTRACT_PORT", "8080", "http://test@confluent.io:8080/nested/path?query&jobs"),
		k("URL_EXTRACT_PROTOCOL", "http", "http://test@confluent.io"),
		k("URL_EXTRACT_PROTOCOL", "https", "https://test@confluent.io:8080/nested/path?query&jobs"),
		k("URL_EXTRACT_PROTOCOL", "NULL", "www.confluent.io"),
		k("URL_EXTRACT_QUERY", "query", "http://www.test.com?query#fragment"),
		k("URL_EXTRACT_QUERY", "q1&q2", "http://www.test.com/path?q1&q2"),
		k("URL_EXTRACT_QUERY", "q=2", "http://test@confluent.io:8080/nested/path?q=2"),
		k("URL_EXTRACT_QUERY", "NULL", "http://test@confluent.io:8080/path"),
		k("URL_EXTRACT_QUERY", "a=foo bar&b=baz", "http://test.com?a=foo%20bar&b=baz"),

		f("PARSE_URL", "facebook.com", fb, "HOST"),
		f("PARSE_URL", "/path1/p.php", fb, "PATH"),
		f("PARSE_URL", "k1=v1&k2=v2", fb, "QUERY"),
		f("PARSE_URL", "v1", fb, "QUERY", "k1"),
		f("PARSE_URL", "NULL", fb, "QUERY", "k3"),
		f("PARSE_URL", "Ref1", fb, "REF"),
		f("PARSE_URL", "http", fb, "PROTOCOL"),
		f("PARSE_URL", "facebook.com", fb, "AUTHORITY"),
		f("PARSE_URL", "/path1/p.php?k1=v1&k2=v2", fb, "FILE"),
		f("PARSE_URL", "NULL", fb, "USERINFO"),
		f("PARSE_URL", "u:p", "http://u:p@h.com:81/x", "USERINFO"),
		f("PARSE_URL", "u:p@h.com:81", "http://u:p@h.com:81/x", "AUTHORITY"),
		f("PARSE_URL", "NULL", fb, "BOGUS"),
		f("PARSE_URL", "NULL", "no scheme", "HOST"),
	))
}
