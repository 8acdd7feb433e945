package types

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	// Zone rules travel with the binary, so zone names resolve the same on
	// every machine.
	_ "time/tzdata"
)

// javaShortIDs are the three-letter ids java.util.TimeZone and
// java.time.ZoneId.SHORT_IDS accept, which the IANA database lacks (or
// means otherwise).
var javaShortIDs = map[string]string{
	"ACT": "Australia/Darwin", "AET": "Australia/Sydney", "AGT": "America/Argentina/Buenos_Aires",
	"ART": "Africa/Cairo", "AST": "America/Anchorage", "BET": "America/Sao_Paulo",
	"BST": "Asia/Dhaka", "CAT": "Africa/Harare", "CNT": "America/St_Johns",
	"CST": "America/Chicago", "CTT": "Asia/Shanghai", "EAT": "Africa/Addis_Ababa",
	"ECT": "Europe/Paris", "IET": "America/Indiana/Indianapolis", "IST": "Asia/Kolkata",
	"JST": "Asia/Tokyo", "MIT": "Pacific/Apia", "NET": "Asia/Yerevan",
	"NST": "Pacific/Auckland", "PLT": "Asia/Karachi", "PNT": "America/Phoenix",
	"PRT": "America/Puerto_Rico", "PST": "America/Los_Angeles", "SST": "Pacific/Guadalcanal",
	"VST": "Asia/Ho_Chi_Minh",
	"EST": "-05:00", "MST": "-07:00", "HST": "-10:00",
}

// zoneTextNames are zone abbreviations as a formatter prints them ("PDT"),
// which text with a zone name ('z' in a pattern) may carry.
var zoneTextNames = map[string]string{
	"PDT": "America/Los_Angeles", "MDT": "America/Denver", "CDT": "America/Chicago",
	"EDT": "America/New_York", "AKST": "America/Anchorage", "AKDT": "America/Anchorage",
	"HDT": "Pacific/Honolulu", "CET": "Europe/Paris", "CEST": "Europe/Paris",
	"EET": "Europe/Athens", "EEST": "Europe/Athens", "WET": "Europe/Lisbon",
	"WEST": "Europe/Lisbon", "BST": "Europe/London",
}

var zoneCache sync.Map // string -> *time.Location

// LoadJavaZone resolves a zone id as java.util.TimeZone / java.time.ZoneId
// read it: region ids ("America/Los_Angeles"), "UTC", "GMT", "Z", offsets
// ("+02", "+0200", "+02:00", "GMT+2", "UTC-08:00") and Java's three-letter
// ids ("PST", "EST"). Locations are cached; safe for concurrent use.
func LoadJavaZone(id string) (*time.Location, error) {
	if v, ok := zoneCache.Load(id); ok {
		return v.(*time.Location), nil
	}
	loc, err := loadJavaZone(strings.TrimSpace(id), false)
	if err != nil {
		return nil, err
	}
	zoneCache.Store(id, loc)
	return loc, nil
}

// loadZoneText resolves a zone name found in parsed text, which may also
// be a printed abbreviation ("PDT", "BST").
func loadZoneText(name string) (*time.Location, error) {
	if r, ok := zoneTextNames[name]; ok {
		return time.LoadLocation(r)
	}
	return LoadJavaZone(name)
}

func loadJavaZone(id string, nested bool) (*time.Location, error) {
	switch id {
	case "":
		return nil, fmt.Errorf("empty zone id")
	case "Z", "UTC", "GMT", "UT", "UTC0", "GMT0", "Etc/UTC", "Etc/GMT":
		return time.UTC, nil
	}
	if off, ok := parseZoneOffset(id); ok {
		return time.FixedZone(offsetName(off), off), nil
	}
	for _, p := range []string{"UTC", "GMT", "UT"} {
		if rest, ok := strings.CutPrefix(id, p); ok && rest != "" && (rest[0] == '+' || rest[0] == '-') {
			if off, ok := parseZoneOffset(rest); ok {
				return time.FixedZone(p+offsetName(off), off), nil
			}
		}
	}
	if r, ok := javaShortIDs[id]; ok && !nested {
		return loadJavaZone(r, true)
	}
	loc, err := time.LoadLocation(id)
	if err != nil {
		return nil, fmt.Errorf("unknown time zone %q", id)
	}
	return loc, nil
}

// parseZoneOffset reads +h, +hh, +hhmm, +hh:mm, +hh:mm:ss.
func parseZoneOffset(s string) (int, bool) {
	if len(s) < 2 || (s[0] != '+' && s[0] != '-') {
		return 0, false
	}
	sign := 1
	if s[0] == '-' {
		sign = -1
	}
	body := strings.ReplaceAll(s[1:], ":", "")
	for _, c := range body {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	var h, m, sec int
	switch len(body) {
	case 1, 2:
		h, _ = strconv.Atoi(body)
	case 4:
		h, _ = strconv.Atoi(body[:2])
		m, _ = strconv.Atoi(body[2:])
	case 6:
		h, _ = strconv.Atoi(body[:2])
		m, _ = strconv.Atoi(body[2:4])
		sec, _ = strconv.Atoi(body[4:])
	default:
		return 0, false
	}
	if h > 18 || m > 59 || sec > 59 {
		return 0, false
	}
	return sign * (h*3600 + m*60 + sec), true
}

func offsetName(off int) string {
	if off == 0 {
		return "Z"
	}
	sign := '+'
	if off < 0 {
		sign, off = '-', -off
	}
	return fmt.Sprintf("%c%02d:%02d", sign, off/3600, off/60%60)
}
