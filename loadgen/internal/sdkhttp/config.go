package sdkhttp

import (
	"context"
	"fmt"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// DefaultRegion is the Region a configuration gets when the standard chain
// (AWS_REGION, the profile) names none.
const DefaultRegion = "us-east-1"

// LoadConfig loads the SDK configuration: the standard chain (AWS_PROFILE,
// SSO, environment, instance roles), narrowed by whichever of region,
// profile and static credentials are given, with DefaultRegion when no
// Region is found. service names the caller in errors.
func LoadConfig(ctx context.Context, service, region, profile, keyID, secret string) (aws.Config, error) {
	var load []func(*config.LoadOptions) error
	if region != "" {
		load = append(load, config.WithRegion(region))
	}
	if profile != "" {
		load = append(load, config.WithSharedConfigProfile(profile))
	}
	if keyID != "" || secret != "" {
		load = append(load, config.WithCredentialsProvider(
			credentials.NewStaticCredentialsProvider(keyID, secret, "")))
	}
	cfg, err := config.LoadDefaultConfig(ctx, load...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("%s: loading AWS configuration: %w", service, err)
	}
	if cfg.Region == "" {
		cfg.Region = DefaultRegion
	}
	return cfg, nil
}

// PooledClient is the configuration's HTTP client, keeping up to conns
// connections per host. It starts from cfg's client when that is buildable:
// with AWS_CA_BUNDLE set it carries the bundle's root CAs. Callers put it
// on the service options, not config.WithHTTPClient, which fails with
// AWS_CA_BUNDLE set unless given a BuildableClient.
func PooledClient(cfg aws.Config, conns int) *awshttp.BuildableClient {
	base, ok := cfg.HTTPClient.(*awshttp.BuildableClient)
	if !ok {
		base = awshttp.NewBuildableClient()
	}
	return base.WithTransportOptions(func(t *http.Transport) {
		t.MaxConnsPerHost = conns
		t.MaxIdleConnsPerHost = conns
		if t.MaxIdleConns != 0 { // 0 is no limit
			t.MaxIdleConns = max(t.MaxIdleConns, conns)
		}
	})
}
