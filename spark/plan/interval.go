package plan

import (
	"strconv"
	"strings"

	"github.com/tumble/tumble/engine/types"
)

// parseDuration reads Spark's interval strings for windows, watermarks
// and triggers: "3 seconds", "1 minute 30 seconds", "interval 2 hours",
// "500 milliseconds". It returns microseconds.
func parseDuration(s string) (int64, error) {
	f := strings.Fields(strings.ToLower(strings.TrimSpace(s)))
	if len(f) > 0 && f[0] == "interval" {
		f = f[1:]
	}
	if len(f) == 0 || len(f)%2 != 0 {
		return 0, analysisErr("INVALID_INTERVAL_FORMAT", "Error parsing '%s' to interval: expected pairs of a number and a unit.", s)
	}
	var total int64
	for i := 0; i < len(f); i += 2 {
		n, err := strconv.ParseFloat(f[i], 64)
		if err != nil {
			return 0, analysisErr("INVALID_INTERVAL_FORMAT", "Error parsing '%s' to interval: '%s' is not a number.", s, f[i])
		}
		var unit int64
		switch strings.TrimSuffix(f[i+1], "s") {
		case "microsecond", "us":
			unit = 1
		case "millisecond", "m":
			unit = types.MicrosPerMilli
		case "second", "sec":
			unit = types.MicrosPerSecond
		case "minute", "min":
			unit = 60 * types.MicrosPerSecond
		case "hour":
			unit = 3600 * types.MicrosPerSecond
		case "day":
			unit = types.MicrosPerDay
		case "week":
			unit = 7 * types.MicrosPerDay
		default:
			return 0, analysisErr("INVALID_INTERVAL_FORMAT", "Error parsing '%s' to interval: unknown unit '%s'.", s, f[i+1])
		}
		total += int64(n * float64(unit))
	}
	return total, nil
}
