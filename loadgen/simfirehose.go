package loadgen

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/spillway-dev/spillway/model"
)

// SimFirehose is the in-process simulated Firehose stream (Direct PUT,
// delivering to S3): model.DeliveryStream in real time. Records are really
// buffered and written as objects, compressed with the stream's codec, under
// Dir in the bucket's key layout; each record's delivery delay is measured
// from its intended send time (read from its stamp) to its object's delivery.
// Start it before the run and Close it after: Close delivers what is still
// buffered at its interval's end (as Firehose would after the traffic
// stops), waits for the objects to be written and returns the accounting.
type SimFirehose struct {
	stream *model.DeliveryStream
	dir    string
	codec  string
	now    func() time.Time
	rt     *roundTrip

	mu      sync.Mutex
	data    map[uint64][]byte // buffered records' data, by record id
	short   Bitset            // ids of accepted records too short for a whole stamp
	delay   *hdrhistogram.Histogram
	stats   Delivery
	err     error
	writeWG sync.WaitGroup

	stop   chan struct{}
	done   chan struct{}
	closed bool
}

// Delivery is what a simulated Firehose delivered.
type Delivery struct {
	// Accepted is the records Firehose accepted; Delivered those found in
	// objects; Unverifiable, accepted records too short to carry a whole
	// stamp, which cannot be matched on disk; Lost = Accepted −
	// Unverifiable − Delivered; Duplicates, records found twice.
	Accepted, Delivered, Unverifiable, Lost, Duplicates int64
	// Objects written, and their stored (compressed) bytes.
	Objects, StoredBytes int64
	// Delay is from intended send time to the object's delivery, in ms.
	Delay Percentiles
	// Dir is the folder the objects were written under.
	Dir string
}

// NewSimFirehose makes a simulated Firehose writing objects under dir. The
// sim config shapes the PutRecordBatch round trip.
func NewSimFirehose(cfg model.DeliveryConfig, dir string, sim SimConfig, now func() time.Time) (*SimFirehose, error) {
	ds, err := model.NewDeliveryStream(cfg, now())
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	f := &SimFirehose{
		stream: ds, dir: dir, codec: string(ds.Config().Compression), now: now,
		rt:   newRoundTrip(sim),
		data: map[uint64][]byte{}, delay: newHist(),
		stop: make(chan struct{}), done: make(chan struct{}),
	}
	f.stats.Dir = dir
	go f.flushLoop()
	return f, nil
}

// Name implements Namer.
func (f *SimFirehose) Name() string { return "sim-firehose" }

// flushLoop delivers buffers whose interval has passed, at their deadline.
func (f *SimFirehose) flushLoop() {
	defer close(f.done)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		wait := 100 * time.Millisecond // a new buffer may open meanwhile
		if at, ok := f.stream.NextDeadline(); ok {
			wait = min(wait, max(at.Sub(f.now()), 0))
		}
		timer.Reset(wait)
		select {
		case <-f.stop:
			return
		case <-timer.C:
			f.deliver(f.stream.Advance(f.now()))
		}
	}
}

// PutRecords implements Target with PutRecordBatch semantics.
func (f *SimFirehose) PutRecords(ctx context.Context, records []Record, out []Outcome) error {
	entries := make([]model.FirehoseEntry, len(records))
	for i := range records {
		entries[i] = model.FirehoseEntry{ID: records[i].ID, PartitionKey: records[i].PartitionKey,
			DataBytes: len(records[i].Data), Intended: records[i].Intended}
	}
	results := make([]model.FirehoseResult, len(entries))
	// Keep the data before the call: a size flush inside it needs it.
	f.mu.Lock()
	for i := range records {
		// The generator reuses a request's memory once it returns.
		f.data[entries[i].ID] = append([]byte(nil), records[i].Data...)
	}
	f.mu.Unlock()
	objs, err := f.stream.PutRecordBatch(f.now(), entries, results)
	if err == nil {
		f.mu.Lock()
		for i, r := range results {
			switch {
			case r.ErrorCode != "":
				delete(f.data, entries[i].ID) // a retry brings it again
			case entries[i].DataBytes < StampBytes:
				f.stats.Accepted++
				f.stats.Unverifiable++
				f.short.Set(entries[i].ID)
			default:
				f.stats.Accepted++
			}
		}
		f.mu.Unlock()
		f.deliver(objs)
	} else {
		f.mu.Lock()
		for _, e := range entries {
			delete(f.data, e.ID)
		}
		f.mu.Unlock()
	}
	if werr := f.rt.wait(ctx); werr != nil {
		return werr
	}
	if err != nil {
		return err
	}
	for i, r := range results {
		out[i] = Outcome{ErrorCode: r.ErrorCode}
		if r.ErrorCode != "" {
			out[i].ErrorMessage = "Slow down."
		}
	}
	return nil
}

// deliver writes objects and records their records' delays. Writes happen
// in the background; Close waits for them.
func (f *SimFirehose) deliver(objs []model.S3Object) {
	for _, o := range objs {
		var buf bytes.Buffer
		f.mu.Lock()
		for _, r := range o.Records {
			buf.Write(f.data[r.Entry.ID])
			delete(f.data, r.Entry.ID)
			recordMicros(f.delay, o.DeliveredAt.Sub(r.Entry.Intended))
		}
		f.stats.Objects++
		f.mu.Unlock()
		f.writeWG.Add(1)
		go func(key string, raw []byte) {
			defer f.writeWG.Done()
			err := f.write(key, raw)
			f.mu.Lock()
			defer f.mu.Unlock()
			if err != nil && f.err == nil {
				f.err = err
			}
		}(o.Key, buf.Bytes())
	}
}

func (f *SimFirehose) write(key string, raw []byte) error {
	stored, err := model.Compress(f.codec, raw)
	if err != nil {
		return err
	}
	p := filepath.Join(f.dir, filepath.FromSlash(key))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	f.mu.Lock()
	f.stats.StoredBytes += int64(len(stored))
	f.mu.Unlock()
	return os.WriteFile(p, stored, 0o644)
}

// Close flushes what is still buffered, waits for every object to be
// written, then reads the objects back and matches every stamped record of
// runID: the accounting is from what is on disk, not from memory.
func (f *SimFirehose) Close(runID uint64) (Delivery, error) {
	if !f.closed {
		f.closed = true
		close(f.stop)
		<-f.done
		// Firehose does not know the traffic stopped: what is still
		// buffered leaves when its interval ends. The model stamps such
		// flushes with their deadline, so advancing it past every deadline
		// delivers the tail as Firehose would, without waiting for it.
		f.deliver(f.stream.Advance(f.now().Add(time.Hour)))
		f.deliver(f.stream.Close(f.now()))
	}
	f.writeWG.Wait()
	f.mu.Lock()
	d, err := f.stats, f.err
	d.Delay = summarize(f.delay)
	f.mu.Unlock()
	if err != nil {
		return d, err
	}
	found, dups, err := ScanDelivered(f.dir, f.codec, runID)
	if err != nil {
		return d, err
	}
	// A short record's partial stamp can still match when the next
	// record's first bytes complete it (1 in 256 for a 31-byte record):
	// count deliveries among the records that carry a whole stamp only.
	d.Delivered, d.Duplicates = found.Len()-found.Intersect(&f.short), dups
	d.Lost = max(d.Accepted-d.Unverifiable-d.Delivered, 0)
	return d, nil
}

// ScanDelivered reads every object under dir, decompresses it with codec and
// finds the records of runID in it by their stamps: the ids found, and how
// many records were found more than once. Records whose data is shorter
// than a stamp cannot be recognised reliably.
func ScanDelivered(dir, codec string, runID uint64) (found *Bitset, duplicates int64, err error) {
	var magic [12]byte
	PutStamp(magic[:], Stamp{RunID: runID}) // "SPW1" + run id, the first 12 bytes
	found = &Bitset{}
	err = filepath.WalkDir(dir, func(path string, e os.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		data, err := model.Decompress(codec, raw)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		// Records are concatenated without separators; a record shorter
		// than a stamp carries a partial one, which its check rejects.
		i := bytes.Index(data, magic[:])
		for i >= 0 {
			next := bytes.Index(data[i+1:], magic[:])
			if next >= 0 {
				next += i + 1
			}
			if st, ok := ReadStamp(data[i:]); ok && found.Set(st.RecordID) {
				duplicates++
			}
			i = next
		}
		return nil
	})
	if errors.Is(err, os.ErrNotExist) && !strings.Contains(err.Error(), dir+string(os.PathSeparator)) {
		err = nil
	}
	return found, duplicates, err
}
