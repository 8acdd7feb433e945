package format

import (
	"fmt"

	"github.com/tumble/tumble/connectors/schemaregistry"
	"github.com/tumble/tumble/engine"
)

func (p *schemaPart) protoName() string { return "" }

func protoSchemaText(cols []Column, unwrapped bool, name string) string { return "" }

func newProtoEncoder(p *schemaPart, s *schemaregistry.Parsed, id int) (Encoder, error) {
	return nil, fmt.Errorf("%w: PROTOBUF", ErrUnsupported)
}

func newProtoDecoder(p *schemaPart) (Decoder, error) {
	return nil, fmt.Errorf("%w: PROTOBUF", ErrUnsupported)
}

func protoColumns(s *schemaregistry.Parsed, fullName, single string) ([]engine.ColumnSpec, error) {
	return nil, fmt.Errorf("%w: PROTOBUF", ErrUnsupported)
}

func jsonSchemaText(cols []Column, unwrapped bool) string { return "" }

func newJSONSREncoder(p *schemaPart, s *schemaregistry.Parsed, id int) (Encoder, error) {
	return nil, fmt.Errorf("%w: JSON_SR", ErrUnsupported)
}

func newJSONSRDecoder(p *schemaPart) (Decoder, error) {
	return nil, fmt.Errorf("%w: JSON_SR", ErrUnsupported)
}

func jsonColumns(doc any, single string) ([]engine.ColumnSpec, bool, error) {
	return nil, false, fmt.Errorf("%w: JSON_SR", ErrUnsupported)
}
