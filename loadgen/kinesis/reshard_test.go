//go:build unix

package kinesis

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/spillway-dev/spillway/loadgen"
	"github.com/spillway-dev/spillway/loadgen/kinesis/kinesistest"
)

// waitShards lists the stream until it has open open shards and closed
// closed ones (resharding is asynchronous), or fails after 10 s.
func waitShards(t *testing.T, tg *Target, open, closed int) []loadgen.Shard {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	for {
		shards, err := tg.ListShards(ctx)
		if err != nil {
			t.Fatalf("ListShards: %v", err)
		}
		var o, c int
		for _, s := range shards {
			if s.State == "OPEN" {
				o++
			} else {
				c++
			}
		}
		if o == open && c == closed {
			return shards
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%d open and %d closed shards, want %d and %d: %+v", o, c, open, closed, shards)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// SplitShard at the midpoint and MergeShards through the real SDK against
// kinesalite; ListShards reports the closed parents and the children's
// parents, and routes by the open shards only.
func TestReshardKinesalite(t *testing.T) {
	tg := createdStream(t, kinesistest.StartKinesalite(t), 2)
	var _ loadgen.Resharder = tg
	ctx := t.Context()
	shards := waitShards(t, tg, 2, 0)
	if err := tg.SplitShard(ctx, shards[0].ID, ""); err != nil {
		t.Fatalf("SplitShard: %v", err)
	}
	shards = waitShards(t, tg, 3, 1)
	children := shards[:2] // open shards come first, in hash key order
	for _, c := range children {
		if !slices.Equal(c.Parents, []string{"shardId-000000000000"}) {
			t.Errorf("child %+v, want parent shardId-000000000000", c)
		}
	}
	// The midpoint of 0…2^127−1 is 2^126.
	if got := children[1].StartingHashKey; got != "85070591730234615865843651857942052864" {
		t.Errorf("second child starts at %s, want 2^126", got)
	}
	if err := tg.MergeShards(ctx, children[0].ID, children[1].ID); err != nil {
		t.Fatalf("MergeShards: %v", err)
	}
	shards = waitShards(t, tg, 2, 3)
	if merged := shards[0]; !slices.Equal(merged.Parents, []string{children[0].ID, children[1].ID}) || merged.StartingHashKey != "0" {
		t.Errorf("merged shard %+v", merged)
	}
	if err := tg.MergeShards(ctx, shards[0].ID, "shardId-000000000099"); err == nil {
		t.Error("merging with a shard that does not exist: want an error")
	}
}

// An on-demand stream created through the SDK on kinesis-local is
// on-demand, with the shards the server picks, and is deleted again.
func TestCreateOnDemandKinesisLocal(t *testing.T) {
	tg := emulatorTarget(t, kinesistest.StartKinesisLocal(t), "spillway-on-demand")
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	if err := tg.CreateStream(ctx, 0, true); err != nil {
		t.Fatalf("CreateStream on-demand: %v", err)
	}
	res, err := tg.Client().DescribeStreamSummary(ctx, &sdk.DescribeStreamSummaryInput{StreamName: aws.String("spillway-on-demand")})
	if err != nil {
		t.Fatal(err)
	}
	sum := res.StreamDescriptionSummary
	if sum.StreamModeDetails == nil || sum.StreamModeDetails.StreamMode != types.StreamModeOnDemand || aws.ToInt32(sum.OpenShardCount) < 1 {
		t.Fatalf("stream %+v, want ON_DEMAND with shards", sum)
	}
	if err := tg.DeleteStream(ctx); err != nil {
		t.Fatal(err)
	}
}
