//go:build unix

package kinesis

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/spillway-dev/spillway/loadgen/kinesis/kinesistest"
)

func TestEmulatorsStartAndStop(t *testing.T) {
	for _, e := range []struct {
		name  string
		start func(testing.TB) string
	}{
		{"kinesalite", kinesistest.StartKinesalite},
		{"kinesis-local", kinesistest.StartKinesisLocal},
	} {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			var endpoint string
			t.Run("run", func(t *testing.T) {
				endpoint = e.start(t)
				host := strings.TrimPrefix(endpoint, "http://")
				c, err := net.DialTimeout("tcp", host, time.Second)
				if err != nil {
					t.Fatalf("dialling %s: %v", host, err)
				}
				c.Close()
				// Not on any other address of this machine.
				_, port, _ := net.SplitHostPort(host)
				for _, ip := range nonLoopbackIPs(t) {
					if c, err := net.DialTimeout("tcp", net.JoinHostPort(ip, port), time.Second); err == nil {
						c.Close()
						t.Errorf("%s answers on %s:%s, want loopback only", e.name, ip, port)
					}
				}
			})
			if endpoint == "" {
				return // skipped or failed
			}
			// The subtest's cleanup has killed the server.
			host := strings.TrimPrefix(endpoint, "http://")
			if c, err := net.DialTimeout("tcp", host, time.Second); err == nil {
				c.Close()
				t.Fatalf("%s still answers on %s after its test ended", e.name, host)
			}
		})
	}
}

// nonLoopbackIPs lists this machine's addresses other than loopback.
func nonLoopbackIPs(t *testing.T) []string {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Logf("listing interface addresses: %v", err)
		return nil
	}
	var ips []string
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && !n.IP.IsLinkLocalUnicast() {
			ips = append(ips, n.IP.String())
		}
	}
	return ips
}
