package kinesis

import (
	"encoding/pem"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// Options.CAFile makes a server with its own certificate trusted, with and
// without AWS_CA_BUNDLE, and the SubscribeToShard client speaks HTTP/2 to
// it.
func TestCAFile(t *testing.T) {
	var listProto atomic.Value // the protocol ListShards came over
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Amz-Target") == "Kinesis_20131202.ListShards" {
			listProto.Store(r.Proto)
		}
		reply(w, 200, map[string]any{"Shards": twoShards, "_proto": r.Proto})
	}))
	srv.EnableHTTP2 = true
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes below
	srv.StartTLS()
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	caFile := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	notPEM := filepath.Join(dir, "not.pem")
	if err := os.WriteFile(notPEM, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	target := func(t *testing.T, caFile string) (*Target, error) {
		return New(t.Context(), Options{
			Region: "us-east-1", Endpoint: srv.URL, Stream: "s",
			AccessKeyID: "AKIDTEST", SecretAccessKey: "test", CAFile: caFile,
		})
	}

	// The system's roots; and, where the machine sets AWS_CA_BUNDLE, its.
	bundles := map[string]string{"without AWS_CA_BUNDLE": ""}
	if b := os.Getenv("AWS_CA_BUNDLE"); b != "" {
		bundles["with AWS_CA_BUNDLE"] = b
	}
	for name, bundle := range bundles {
		t.Run(name, func(t *testing.T) {
			t.Setenv("AWS_CA_BUNDLE", bundle)
			tg, err := target(t, caFile)
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			if _, err := tg.ListShards(t.Context()); err != nil {
				t.Fatalf("ListShards with CAFile: %v", err)
			}
			// Every other call keeps to HTTP/1.1 though the server offers
			// HTTP/2 (sdkhttp.KeepBodyClient would stall large HTTP/2 answers).
			if p := listProto.Load(); p != "HTTP/1.1" {
				t.Errorf("ListShards came over %v, want HTTP/1.1", p)
			}
			req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL, strings.NewReader("{}"))
			if err != nil {
				t.Fatal(err)
			}
			resp, err := tg.subscribeHTTP.Do(req)
			if err != nil {
				t.Fatalf("SubscribeToShard client: %v", err)
			}
			resp.Body.Close()
			if resp.ProtoMajor != 2 {
				t.Errorf("SubscribeToShard client spoke %s, want HTTP/2", resp.Proto)
			}

			tg, err = target(t, "")
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			if _, err := tg.ListShards(t.Context()); err == nil || !strings.Contains(err.Error(), "certificate") {
				t.Errorf("ListShards without CAFile: %v, want a certificate error", err)
			}
		})
	}
	for _, bad := range []string{filepath.Join(dir, "missing.pem"), notPEM} {
		if _, err := target(t, bad); err == nil {
			t.Errorf("New with CAFile %s: nil error", bad)
		}
	}
}
