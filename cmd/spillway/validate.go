package main

import (
	"context"
	"fmt"

	"github.com/spillway-dev/spillway/scenarios"
)

const validateHelp = `
Usage: spillway validate FILE...

Checks scenario files: strict YAML (an unknown field is an error), values
within the AWS limits, threshold expressions with known metrics. Every
problem in every file is reported, each as file:line:col: field: message.
Exits 2 if any file is invalid.

Examples:
  spillway validate scenarios/examples/quickstart.yaml
  spillway validate scenarios/examples/*.yaml
`

func validateCmd(_ context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "validate", validateHelp)
	files, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		fs.Usage()
		return usageErr("no scenario files given")
	}
	bad := 0
	for _, f := range files {
		if _, err := scenarios.LoadFile(f); err != nil {
			fmt.Fprintln(e.stderr, err)
			bad++
			continue
		}
		fmt.Fprintf(e.stdout, "%s: ok\n", f)
	}
	if bad > 0 {
		return usageErr("%d of %d files invalid", bad, len(files))
	}
	return nil
}
