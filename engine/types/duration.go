package types

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ParseDuration reads Flink durations as options give them: "5 min",
// "10s", "100 ms", "1 h", "2 days"; a bare number is milliseconds.
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(strings.ToLower(s))
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	n, err := strconv.ParseInt(s[:i], 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("invalid duration '%s'", s)
	}
	var unit time.Duration
	switch strings.TrimSpace(s[i:]) {
	case "", "ms", "milli", "millis", "millisecond", "milliseconds":
		unit = time.Millisecond
	case "s", "sec", "secs", "second", "seconds":
		unit = time.Second
	case "min", "mins", "minute", "minutes", "m":
		unit = time.Minute
	case "h", "hour", "hours":
		unit = time.Hour
	case "d", "day", "days":
		unit = 24 * time.Hour
	case "us", "µs", "micro", "micros", "microsecond", "microseconds":
		unit = time.Microsecond
	case "ns", "nano", "nanos", "nanosecond", "nanoseconds":
		unit = time.Nanosecond
	default:
		return 0, fmt.Errorf("invalid duration '%s'", s)
	}
	return time.Duration(n) * unit, nil
}
