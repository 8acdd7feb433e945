package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/tumble/tumble/connectors/kafka"
	"github.com/tumble/tumble/connectors/schemaregistry"
)

// registryURLKey is where the default Schema Registry's URL travels with
// the default cluster's client properties (Planner.KafkaProperties, read
// by the formats that need a registry); ksqlDB's server configuration
// names it ksql.schema.registry.url.
const registryURLKey = "schema.registry.url"

// startRegistry serves the embedded Schema Registry on listen, its
// schemas kept in the '_schemas' topic of the cluster at bootstrap.
func startRegistry(ctx context.Context, listen, bootstrap string, props map[string]string, log *slog.Logger) (*schemaregistry.Registry, error) {
	client := map[string]string{"bootstrap.servers": bootstrap}
	for k, v := range props {
		client[k] = v
	}
	opts, err := kafka.ClientOpts(client)
	if err != nil {
		return nil, err
	}
	r, err := schemaregistry.Start(ctx, schemaregistry.Config{Opts: opts, Listen: listen, Log: log})
	if err != nil {
		return nil, fmt.Errorf("start the schema registry on %s: %w", listen, err)
	}
	return r, nil
}

// withRegistry returns props with the registry URL set (when url is not
// empty).
func withRegistry(props map[string]string, url string) map[string]string {
	if url == "" {
		return props
	}
	out := map[string]string{registryURLKey: url}
	for k, v := range props {
		if k != registryURLKey {
			out[k] = v
		}
	}
	return out
}
