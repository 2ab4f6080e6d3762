package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
)

// profiling writes Go's CPU and heap profiles of a run, for `go tool
// pprof`: the README's performance section uses them to show where the
// generator spends its time.
type profiling struct {
	cpuFile, memFile string
	cpu              *os.File
}

// start begins the CPU profile, if one was asked for.
func (p *profiling) start() error {
	if p.cpuFile == "" {
		return nil
	}
	f, err := os.Create(p.cpuFile)
	if err != nil {
		return fmt.Errorf("--cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return fmt.Errorf("--cpuprofile: %w", err)
	}
	p.cpu = f
	return nil
}

// stop ends the CPU profile and writes the heap profile (after a GC, so it
// shows what is live at the end of the run).
func (p *profiling) stop() error {
	var err error
	if p.cpu != nil {
		pprof.StopCPUProfile()
		if cerr := p.cpu.Close(); cerr != nil {
			err = fmt.Errorf("--cpuprofile: %w", cerr)
		}
		p.cpu = nil
	}
	if p.memFile != "" {
		runtime.GC()
		if merr := writeHeapProfile(p.memFile); merr != nil && err == nil {
			err = fmt.Errorf("--memprofile: %w", merr)
		}
	}
	return err
}

func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := pprof.WriteHeapProfile(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
