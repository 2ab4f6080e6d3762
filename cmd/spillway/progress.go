package main

import (
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
	"golang.org/x/term"

	"github.com/spillway-dev/spillway/loadgen"
)

func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

// startProgress shows a run's progress on stderr until the returned
// function is called: mpb bars on a terminal, a plain line every 5 seconds
// otherwise (CI logs).
func startProgress(e *env, r *loadgen.Runner, plain bool) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	if plain {
		wg.Go(func() { plainProgress(e, r, done) })
	} else {
		wg.Go(func() { barProgress(e, r, done) })
	}
	var once sync.Once
	return func() {
		once.Do(func() { close(done); wg.Wait() })
	}
}

func plainProgress(e *env, r *loadgen.Runner, done <-chan struct{}) {
	t := time.NewTicker(5 * time.Second)
	defer t.Stop()
	var prev loadgen.Progress
	last := time.Now()
	for {
		select {
		case <-done:
			return
		case now := <-t.C:
			p := r.Progress()
			rate := float64(p.Acked-prev.Acked) / now.Sub(last).Seconds()
			fmt.Fprintf(e.stderr, "%5.0fs/%.0fs offered %d acked %d throttled %d (%.1f%%) failed %d acked/s %.0f in-flight %d%s\n",
				p.Elapsed.Seconds(), p.Duration.Seconds(), p.Offered, p.Acked, p.Throttled,
				pct(p.Throttled, p.Attempts), p.Failed+p.Expired, rate, p.InFlight, droppedNote(p))
			prev, last = p, now
		}
	}
}

// droppedNote says how many records the generator dropped, "" for none.
func droppedNote(p loadgen.Progress) string {
	if p.Dropped == 0 {
		return ""
	}
	return fmt.Sprintf(" DROPPED %d (generator overloaded)", p.Dropped)
}

func pct(a, b int64) float64 {
	if b == 0 {
		return 0
	}
	return 100 * float64(a) / float64(b)
}

func barProgress(e *env, r *loadgen.Runner, done <-chan struct{}) {
	p := mpb.New(mpb.WithOutput(e.stderr), mpb.WithWidth(40), mpb.WithRefreshRate(200*time.Millisecond))
	total := r.Progress().Duration
	timeBar := p.New(int64(total/time.Millisecond), mpb.BarStyle(),
		mpb.PrependDecorators(decor.Name("elapsed  ", decor.WC{W: 10}),
			decor.Any(func(decor.Statistics) string {
				pr := r.Progress()
				return fmt.Sprintf("%4.0fs / %.0fs", pr.Elapsed.Seconds(), pr.Duration.Seconds())
			})),
		mpb.AppendDecorators(decor.Any(func(decor.Statistics) string {
			pr := r.Progress()
			return fmt.Sprintf("offered %d  in-flight %d%s", pr.Offered, pr.InFlight, droppedNote(pr))
		})),
	)
	var mu sync.Mutex
	var rate float64
	ackBar := p.New(0, mpb.NopStyle(),
		mpb.PrependDecorators(decor.Any(func(decor.Statistics) string {
			pr := r.Progress()
			mu.Lock()
			defer mu.Unlock()
			return fmt.Sprintf("acked %d (%.0f/s)  throttled %d (%.1f%% of attempts)  failed %d  retried %d",
				pr.Acked, rate, pr.Throttled, pct(pr.Throttled, pr.Attempts), pr.Failed+pr.Expired, pr.Retried)
		})),
	)
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	prevAcked, last := int64(0), time.Now()
	for {
		select {
		case <-done:
			timeBar.SetCurrent(int64(total / time.Millisecond))
			timeBar.SetTotal(-1, true)
			ackBar.SetTotal(-1, true)
			p.Wait()
			return
		case now := <-t.C:
			pr := r.Progress()
			timeBar.SetCurrent(int64(pr.Elapsed / time.Millisecond))
			if d := now.Sub(last); d >= time.Second {
				mu.Lock()
				rate = float64(pr.Acked-prevAcked) / d.Seconds()
				mu.Unlock()
				prevAcked, last = pr.Acked, now
			}
		}
	}
}
