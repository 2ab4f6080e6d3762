package kinesis

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
)

// withRootCAs returns c trusting, besides the roots it has, the PEM
// certificates in file (Options.CAFile). With AWS_CA_BUNDLE set, c's roots
// are the bundle's and the file's certificates are added to them; without,
// they are added to the system's roots. Server names are checked as usual.
func withRootCAs(c *awshttp.BuildableClient, file string) (*awshttp.BuildableClient, error) {
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("kinesis: reading CA file: %w", err)
	}
	if !x509.NewCertPool().AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("kinesis: CA file %s holds no PEM certificate", file)
	}
	var poolErr error
	c = c.WithTransportOptions(func(t *http.Transport) {
		if t.TLSClientConfig == nil {
			t.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
		}
		pool := t.TLSClientConfig.RootCAs
		if pool == nil {
			if pool, poolErr = x509.SystemCertPool(); poolErr != nil {
				return
			}
		} else {
			pool = pool.Clone() // the transport it came from keeps its own
		}
		pool.AppendCertsFromPEM(pem)
		t.TLSClientConfig.RootCAs = pool
	})
	if poolErr != nil {
		return nil, fmt.Errorf("kinesis: loading the system's root CAs: %w", poolErr)
	}
	return c, nil
}
