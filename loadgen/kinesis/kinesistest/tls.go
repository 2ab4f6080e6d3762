//go:build unix

package kinesistest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/spillway-dev/spillway/loadgen/internal/emulator"
)

// StartKinesisLocalTLS starts kinesis-local as StartKinesisLocal does and
// returns its TLS endpoint, https://127.0.0.1:<port> (HTTP/2 and
// HTTP/1.1, which SubscribeToShard needs), and caFile, a PEM file of the
// certificate it serves, for the client's roots (kinesis.Options.CAFile).
//
// The certificate is made for the test: the one kinesis-local ships
// (node_modules/kinesis-local/server.json) names no host or IP address, so
// Go's TLS client refuses it for 127.0.0.1.
func StartKinesisLocalTLS(t testing.TB) (endpoint, caFile string) {
	t.Helper()
	dir := t.TempDir()
	certJSON, caFile := writeLoopbackCert(t, dir)
	ports := start(t, "kinesis-local", 2, []string{"KINESIS_MOCK_CERT_PATH=" + certJSON}, kinesisLocalArgs)
	emulator.WaitPort(t, ports[1])
	return "https://127.0.0.1:" + strconv.Itoa(ports[1]), caFile
}

// writeLoopbackCert writes a self-signed certificate for 127.0.0.1, valid
// for a day, as kinesis-local's server.json and as a PEM file, in dir.
func writeLoopbackCert(t testing.TB, dir string) (certJSON, caFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(now.UnixNano()),
		Subject:               pkix.Name{CommonName: "spillway kinesis-local test"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
	// kinesis-local reads {"server": {"key": PEM, "cert": PEM}}.
	doc, err := json.Marshal(map[string]map[string]string{"server": {"key": string(keyPEM), "cert": string(certPEM)}})
	if err != nil {
		t.Fatal(err)
	}
	certJSON, caFile = filepath.Join(dir, "server.json"), filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(certJSON, doc, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(caFile, certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	return certJSON, caFile
}
