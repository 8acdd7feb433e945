package sql

import "testing"

func TestSQLRendersAsFlinkPrints(t *testing.T) {
	cases := map[string]string{
		"ts - INTERVAL '1' SECONDS":        "`ts` - INTERVAL '1' SECOND",
		"proctime()":                       "PROCTIME()",
		"coalesce(product, 'missing_sku')": "COALESCE(`product`, 'missing_sku')",
		"(a + b) * c":                      "(`a` + `b`) * `c`",
		"a - (b - c)":                      "`a` - (`b` - `c`)",
		"a - b - c":                        "`a` - `b` - `c`",
		"NOT (a OR b) AND c IS NOT NULL":   "NOT (`a` OR `b`) AND `c` IS NOT NULL",
		"CAST(x AS DECIMAL(10, 2))":        "CAST(`x` AS DECIMAL(10, 2))",
		"CASE WHEN a = 'it''s' THEN 1 END": "CASE WHEN `a` = 'it''s' THEN 1 END",
		"t.`col` IN (1, 2)":                "`t`.`col` IN (1, 2)",
		"count(DISTINCT x)":                "COUNT(DISTINCT `x`)",
	}
	for in, want := range cases {
		e, err := ParseExpr(in, Flink)
		if err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		if got := SQL(e); got != want {
			t.Errorf("SQL(%s) = %s, want %s", in, got, want)
		}
	}
}
