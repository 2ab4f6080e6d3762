// Command spillway load-tests and sizes Amazon Kinesis Data Streams.
//
// This is the only package that parses flags, prints, draws progress bars
// and exits; everything below cmd/ returns values and errors.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"

	"github.com/spillway-dev/spillway/scenarios"
)

// Exit codes, shared by every subcommand.
const (
	exitOK        = 0
	exitError     = 1 // a runtime error
	exitUsage     = 2 // bad flags or an invalid scenario
	exitThreshold = 3 // a threshold failed
)

// version is set at build time with -ldflags "-X main.version=…"; otherwise
// it comes from the module's build info.
var version = ""

func toolVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		v := bi.Main.Version
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 && (v == "" || v == "(devel)") {
				v = "devel-" + s.Value[:12]
			}
		}
		if v != "" {
			return v
		}
	}
	return "devel"
}

// env is what a command may touch of the outside world, so tests can run
// commands without swapping globals.
type env struct {
	stdout, stderr io.Writer
	// isTerminal reports whether stderr is a terminal (progress bars).
	isTerminal bool
}

// exitError carries an exit code through a command's error return.
type codedError struct {
	code int
	err  error
}

func (e *codedError) Error() string { return e.err.Error() }
func (e *codedError) Unwrap() error { return e.err }

func usageErr(format string, a ...any) error {
	return &codedError{code: exitUsage, err: fmt.Errorf(format, a...)}
}

// command is one subcommand.
type command struct {
	name, summary string
	run           func(ctx context.Context, e *env, args []string) error
}

var commands = []command{
	{"run", "run a scenario's load against a stream and report what happened", runCmd},
	{"validate", "check scenario files and report every problem", validateCmd},
	{"report", "render a results file again as text, Markdown or HTML", reportCmd},
	{"compare", "set a run against a baseline: every metric's change, and a verdict for CI", compareCmd},
	{"merge", "merge the results of parts of one load into the results of the whole", mergeCmd},
	{"sweep", "Firehose buffer sizes x intervals: delivery delay, objects and cost", sweepCmd},
	{"plan", "shards needed, load per shard, hot keys and split/merge advice", planCmd},
	{"cost", "monthly cost: provisioned, on-demand, On-demand Advantage and Firehose", costCmd},
	{"schema", "print the JSON Schema of scenario files", func(_ context.Context, e *env, _ []string) error {
		_, err := e.stdout.Write(scenarios.JSONSchema())
		return err
	}},
	{"version", "print the version", func(_ context.Context, e *env, _ []string) error {
		fmt.Fprintln(e.stdout, "spillway", toolVersion())
		return nil
	}},
}

func usage(w io.Writer) {
	fmt.Fprintf(w, `spillway: load testing and capacity planning for Amazon Kinesis Data Streams.

Usage:
  spillway <command> [flags] [arguments]

Commands:
`)
	for _, c := range commands {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, `
Run 'spillway <command> --help' for a command's flags and examples.

Exit codes: 0 success, 1 runtime error, 2 usage or invalid scenario, 3 a threshold
failed or a metric regressed against the baseline.
`)
}

// dispatch runs the command named by args[0] and returns the exit code.
func dispatch(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(e.stdout)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	for _, c := range commands {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, e, args[1:])
		switch {
		case err == nil:
			return exitOK
		case errors.Is(err, flag.ErrHelp):
			return exitOK
		}
		var ce *codedError
		if errors.As(err, &ce) {
			if ce.err != nil && ce.err.Error() != "" {
				fmt.Fprintf(e.stderr, "spillway %s: %v\n", c.name, ce.err)
			}
			return ce.code
		}
		fmt.Fprintf(e.stderr, "spillway %s: %v\n", c.name, err)
		return exitError
	}
	fmt.Fprintf(e.stderr, "spillway: unknown command %q\n\n", args[0])
	usage(e.stderr)
	return exitUsage
}

// newFlagSet makes a command's flag set with hand-written usage.
func newFlagSet(e *env, name, help string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprint(e.stderr, strings.TrimLeft(help, "\n"))
		fmt.Fprintln(e.stderr, "\nFlags:")
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args, allowing flags after positional arguments
// (spillway run quick.yaml --duration 5s).
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, &codedError{code: exitUsage, err: errors.New("")}
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// oneArg parses args and wants exactly one positional argument, what.
func oneArg(fs *flag.FlagSet, args []string, what string) (string, error) {
	pos, err := parseFlags(fs, args)
	if err != nil {
		return "", err
	}
	if len(pos) != 1 {
		fs.Usage()
		return "", usageErr("want exactly one %s, got %d", what, len(pos))
	}
	return pos[0], nil
}

func main() {
	e := &env{stdout: os.Stdout, stderr: os.Stderr, isTerminal: isTerminal(os.Stderr)}
	os.Exit(dispatch(context.Background(), e, os.Args[1:]))
}
