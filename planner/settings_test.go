package planner

import (
	"sort"
	"strings"
	"testing"

	"github.com/tumble/tumble/sql"
)

func TestSettingDefsSortedAndChecked(t *testing.T) {
	if !sort.SliceIsSorted(settingDefs, func(i, j int) bool { return settingDefs[i].Key < settingDefs[j].Key }) {
		t.Fatal("settingDefs must be sorted by key (LookupSetting searches them)")
	}
	for _, def := range settingDefs {
		if def.Description == "" {
			t.Errorf("%s has no description", def.Key)
		}
		// A default must pass its own check.
		if def.Default != "" && def.Check != nil {
			if err := def.Check(def.Default); err != nil {
				t.Errorf("%s: the default %q fails its check: %v", def.Key, def.Default, err)
			}
		}
	}
	for alias, a := range settingAliases {
		if _, ok := LookupSetting(sql.Flink, a.canonical); !ok {
			if _, ok := LookupSetting(sql.KSQL, a.canonical); !ok {
				t.Errorf("alias %s stands for %s, which is no setting", alias, a.canonical)
			}
		}
	}
}

func TestCheckSetting(t *testing.T) {
	cases := []struct {
		d       sql.Dialect
		key, v  string
		stored  string // "" : an error
		warning string // a part of the warning, "" for none
	}{
		{sql.Flink, "table.exec.source.idle-timeout", "5 s", "table.exec.source.idle-timeout", ""},
		{sql.Flink, "table.exec.source.idle-timeout", "soon", "", ""},
		{sql.Flink, "pipeline.auto-watermark-interval", "-1 s", "", ""},
		{sql.Flink, "table.dml-sync", "TRUE", "table.dml-sync", ""},
		{sql.Flink, "table.dml-sync", "yes", "", ""},
		{sql.Flink, "table.local-time-zone", "Europe/Paris", "table.local-time-zone", ""},
		{sql.Flink, "table.local-time-zone", "Nowhere/Else", "", ""},
		{sql.Flink, "execution.runtime-mode", "BATCH", "execution.runtime-mode", ""},
		{sql.Flink, "this.is.nonsense", "x", "this.is.nonsense", "is not used by Tumble"},
		{sql.Flink, "sql-client.display.max-column-width", "10", "table.display.max-column-width", "is deprecated. Please use 'table.display.max-column-width'"},
		{sql.Flink, "restart-strategy.fixed-delay.attempts", "-2", "", ""},
		// Keys of the other dialect are not read.
		{sql.Flink, "auto.offset.reset", "latest", "auto.offset.reset", "is not used by Tumble"},
		{sql.KSQL, "table.dml-sync", "true", "table.dml-sync", "is not used by Tumble"},
		{sql.KSQL, "auto.offset.reset", "latest", "auto.offset.reset", ""},
		{sql.KSQL, "ksql.streams.auto.offset.reset", "earliest", "auto.offset.reset", ""},
		{sql.KSQL, "auto.offset.reset", "newest", "", ""},
		{sql.KSQL, "processing.guarantee", "exactly_once_v2", "processing.guarantee", ""},
		{sql.KSQL, "processing.guarantee", "twice", "", ""},
		{sql.KSQL, "ksql.streams.num.stream.threads", "4", "ksql.streams.num.stream.threads", "is not used by Tumble"},
		{sql.KSQL, "execution.checkpointing.interval", "1 s", "execution.checkpointing.interval", ""},
	}
	for _, c := range cases {
		stored, warnings, err := CheckSetting(c.d, c.key, c.v)
		if c.stored == "" {
			if err == nil {
				t.Errorf("%s = %s: accepted, want an error", c.key, c.v)
			} else if !strings.Contains(err.Error(), c.key) {
				t.Errorf("%s = %s: the error does not name the key: %v", c.key, c.v, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s = %s: %v", c.key, c.v, err)
			continue
		}
		if stored != c.stored {
			t.Errorf("%s = %s: stored under %s, want %s", c.key, c.v, stored, c.stored)
		}
		got := strings.Join(warnings, "\n")
		if c.warning == "" && got != "" || c.warning != "" && !strings.Contains(got, c.warning) {
			t.Errorf("%s = %s: warnings %q, want %q", c.key, c.v, got, c.warning)
		}
	}
}
