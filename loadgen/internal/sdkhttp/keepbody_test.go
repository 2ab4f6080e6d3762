package sdkhttp

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// doerFunc is a Doer from a function.
type doerFunc func(*http.Request) (*http.Response, error)

func (f doerFunc) Do(r *http.Request) (*http.Response, error) { return f(r) }

// Do returns only once the transport has closed the body, even when the
// transport answers first and closes it later.
func TestKeepBodyClientWaitsForClose(t *testing.T) {
	// The transport's goroutine notes when it starts closing the body:
	// Do can only return after that. (Taking the time after Close, as
	// this test once did, raced with Do's return, which Close unblocks.)
	var closing atomic.Bool
	closedAt := make(chan time.Time, 1)
	next := doerFunc(func(r *http.Request) (*http.Response, error) {
		go func() {
			time.Sleep(50 * time.Millisecond)
			_, _ = io.Copy(io.Discard, r.Body)
			at := time.Now()
			closing.Store(true)
			_ = r.Body.Close()
			closedAt <- at
		}()
		return &http.Response{StatusCode: 200}, nil
	})
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, "http://127.0.0.1/", strings.NewReader("body"))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := KeepBodyClient{Next: next}.Do(req)
	returned := time.Now()
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("Do = %v, %v", resp, err)
	}
	wasClosing := closing.Load()
	if at := <-closedAt; returned.Before(at) || !wasClosing {
		t.Errorf("Do returned %v before the transport closed the body", at.Sub(returned))
	}
}

// A request without a body, or whose context has ended, is not held.
func TestKeepBodyClientDoesNotWait(t *testing.T) {
	var seen *http.Request
	next := doerFunc(func(r *http.Request) (*http.Response, error) {
		seen = r
		return &http.Response{StatusCode: 200}, nil
	})
	req, err := http.NewRequest(http.MethodGet, "http://127.0.0.1/", http.NoBody)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := (KeepBodyClient{Next: next}).Do(req); err != nil || seen != req {
		t.Errorf("a request without a body should pass as it is (err %v)", err)
	}

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	req, err = http.NewRequestWithContext(ctx, http.MethodPost, "http://127.0.0.1/", strings.NewReader("body"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := (KeepBodyClient{Next: next}).Do(req); err != nil {
		t.Fatal(err)
	}
}
