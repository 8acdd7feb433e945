package plan

import (
	"errors"
	"fmt"
)

// Exception classes a Spark client knows (it maps them to Python
// exceptions: AnalysisException, ParseException, ...).
const (
	AnalysisException    = "org.apache.spark.sql.AnalysisException"
	ParseException       = "org.apache.spark.sql.catalyst.parser.ParseException"
	UnsupportedOperation = "java.lang.UnsupportedOperationException"
	IllegalArgument      = "java.lang.IllegalArgumentException"
	StreamingQueryError  = "org.apache.spark.sql.streaming.StreamingQueryException"
	SparkException       = "org.apache.spark.SparkException"
)

// Error is an error a Spark client shows as an exception: its class, its
// error class (UNRESOLVED_COLUMN...) and its message.
type Error struct {
	Exception  string // Java class name
	ErrorClass string
	SQLState   string
	Msg        string
}

func (e *Error) Error() string {
	s := e.Msg
	if e.ErrorClass != "" {
		s = "[" + e.ErrorClass + "] " + s
	}
	if e.SQLState != "" {
		s += " SQLSTATE: " + e.SQLState
	}
	return s
}

// sqlStates of the error classes Tumble raises.
var sqlStates = map[string]string{
	"UNRESOLVED_COLUMN.WITH_SUGGESTION":           "42703",
	"UNRESOLVED_ROUTINE":                          "42883",
	"TABLE_OR_VIEW_NOT_FOUND":                     "42P01",
	"PARSE_SYNTAX_ERROR":                          "42601",
	"DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE":     "42K09",
	"UNSUPPORTED_FEATURE":                         "0A000",
	"STREAMING_OUTPUT_MODE.UNSUPPORTED_OPERATION": "42KDE",
	"UNSUPPORTED_DATATYPE":                        "0A000",
	"INVALID_SCHEMA":                              "42K07",
	"MISSING_AGGREGATION":                         "42803",
	"AMBIGUOUS_REFERENCE":                         "42704",
	"NON_TIME_WINDOW_NOT_SUPPORTED_IN_STREAMING":  "42KDE",
}

func analysisErr(class, format string, args ...any) *Error {
	return &Error{Exception: AnalysisException, ErrorClass: class, SQLState: sqlStates[class], Msg: fmt.Sprintf(format, args...)}
}

func parseErr(format string, args ...any) *Error {
	return &Error{Exception: ParseException, ErrorClass: "PARSE_SYNTAX_ERROR", SQLState: "42601", Msg: fmt.Sprintf(format, args...)}
}

// unsupported names something Spark has and Tumble does not do.
func unsupported(format string, args ...any) *Error {
	return analysisErr("UNSUPPORTED_FEATURE", format+" is not supported by Tumble.", args...)
}

// AsError returns err as a *Error (an AnalysisException for errors of the
// planner and the engine's expressions, which are about the query).
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Exception: AnalysisException, Msg: err.Error()}
}
