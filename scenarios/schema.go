package scenarios

import (
	"bytes"
	_ "embed"
)

//go:embed schema.json
var schema []byte

// JSONSchema returns a JSON Schema (draft 2020-12) of the scenario file
// format, for editors. It checks shapes and single-field ranges; Validate
// remains the authority on rules across fields.
func JSONSchema() []byte { return bytes.Clone(schema) }
