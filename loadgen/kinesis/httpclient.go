package kinesis

import (
	"net/http"

	"github.com/spillway-dev/spillway/loadgen/internal/sdkhttp"
)

// httpDoer is the HTTP client the SDK calls (kinesis.HTTPClient).
type httpDoer = sdkhttp.Doer

// keepBodyClient is sdkhttp.KeepBodyClient over next: it returns to the SDK
// only once the transport has closed the request body (the workaround for
// aws-sdk-go-v2 issues #1825 and #2737, explained there).
type keepBodyClient struct {
	next httpDoer
}

// Do sends req through sdkhttp.KeepBodyClient.
func (c keepBodyClient) Do(req *http.Request) (*http.Response, error) {
	return sdkhttp.KeepBodyClient{Next: c.next}.Do(req)
}
