// Package all registers every built-in connector, so the command and the
// test runner wire the same set.
package all

import (
	"io"

	"github.com/tumble/tumble/connectors/blackhole"
	"github.com/tumble/tumble/connectors/datagen"
	"github.com/tumble/tumble/connectors/filesystem"
	"github.com/tumble/tumble/connectors/jdbc"
	"github.com/tumble/tumble/connectors/kafka"
	"github.com/tumble/tumble/connectors/nexmark"
	"github.com/tumble/tumble/connectors/print"
	"github.com/tumble/tumble/connectors/values"
	"github.com/tumble/tumble/engine"
)

// Register adds kafka, datagen, filesystem, jdbc, print (writing to out),
// blackhole, nexmark and values (Flink's test connector).
func Register(reg *engine.Registry, out io.Writer) {
	kafka.Register(reg)
	datagen.Register(reg)
	filesystem.Register(reg)
	print.Register(reg, out)
	blackhole.Register(reg)
	nexmark.Register(reg)
	jdbc.Register(reg)
	values.Register(reg)
}
