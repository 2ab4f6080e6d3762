package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spillway-dev/spillway/scenarios"
)

// outFile is one file a command writes and how to write it.
type outFile struct {
	name  string
	write func(io.Writer) error
}

// writeFiles creates each file in dir and writes it, stopping at the first
// failure, which names the file.
func writeFiles(dir string, files ...outFile) error {
	for _, o := range files {
		f, err := os.Create(filepath.Join(dir, o.name))
		if err != nil {
			return err
		}
		err = o.write(f)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("%s: %w", o.name, err)
		}
	}
	return nil
}

// loadScenario loads a scenario file; an invalid one is a usage error, its
// problems printed one a line on stderr.
func loadScenario(e *env, file string) (*scenarios.Scenario, error) {
	sc, err := scenarios.LoadFile(file)
	if err != nil {
		fmt.Fprintln(e.stderr, err)
		return nil, &codedError{code: exitUsage, err: fmt.Errorf("%s is not a valid scenario", file)}
	}
	return sc, nil
}
