package kinesis

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// DeserializeResponse decodes successful PutRecords answers itself
// (decodePutRecords) and hands every other answer, error answers of
// PutRecords included, to the SDK's protocol. The SDK's generic decoder
// of a 500-entry answer cost as much as serializing the request
// (shared/perf-baseline.md: 39% of a call each) and about four
// allocations per entry.
func (p putRecordsProtocol) DeserializeResponse(ctx context.Context, schema *smithy.OperationSchema, reg *smithy.TypeRegistry, resp *smithyhttp.Response, out smithy.Deserializable) error {
	pr, ok := out.(*kinesis.PutRecordsOutput)
	if !ok || schema.ID().Name != "PutRecords" || resp.StatusCode < 200 || resp.StatusCode >= 300 {
		return p.ClientProtocol.DeserializeResponse(ctx, schema, reg, resp, out)
	}
	buf, _ := answerPool.Get().(*bytes.Buffer)
	if buf == nil {
		buf = new(bytes.Buffer)
	}
	defer func() {
		if buf.Cap() <= maxPooledAnswer {
			buf.Reset()
			answerPool.Put(buf)
		}
	}()
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		return &smithy.DeserializationError{Err: err}
	}
	if buf.Len() == 0 { // as the SDK: an empty answer leaves out as it is
		return nil
	}
	call, _ := ctx.Value(putCallKey{}).(*putCall)
	if err := decodePutRecords(buf.Bytes(), pr, call); err != nil {
		return &smithy.DeserializationError{Err: err, Snapshot: bytes.Clone(buf.Bytes()[:min(buf.Len(), 1024)])}
	}
	return nil
}

// answerPool recycles the buffers PutRecords answers are read into, up to
// maxPooledAnswer bytes (a 500-entry answer is about 50 KB).
var answerPool sync.Pool // *bytes.Buffer

const maxPooledAnswer = 1 << 20

// maxAnswerDepth bounds the nesting of unknown values in an answer, as the
// SDK's decoder does (it matches encoding/json).
const maxAnswerDepth = 10_000

// decodePutRecords decodes the JSON body of a successful PutRecords answer
// into out, as the SDK's decoder would: members it does not know are
// skipped, null members are absent, a null entry is a zero entry, and a
// later duplicate member replaces an earlier one. Unlike the SDK's, it
// rejects anything after the answer's object. Nothing in out points into
// body, which the caller may reuse. It allocates a few times per answer,
// not per entry: sequence numbers are cut from a few strings of about
// 4 KB (small allocations: one string of the whole body, a large one,
// cost more than all the decoding, in heap locks and page faults), and
// shard IDs and error codes, which repeat, are copied once per answer.
// With call.out set, the entries go there instead of out.Records (putCall).
func decodePutRecords(body []byte, out *kinesis.PutRecordsOutput, call *putCall) error {
	d := answerDecoder{s: body, call: call}
	if !d.consume('{') {
		return d.errorf("want an object")
	}
	if d.consume('}') {
		return d.end()
	}
	for {
		key, err := d.str()
		if err != nil {
			return err
		}
		if !d.consume(':') {
			return d.errorf("want ':'")
		}
		switch {
		case d.null():
		case string(key) == "EncryptionType":
			s, err := d.str()
			if err != nil {
				return err
			}
			out.EncryptionType = types.EncryptionType(s)
		case string(key) == "FailedRecordCount":
			n, err := d.int32()
			if err != nil {
				return err
			}
			out.FailedRecordCount = &n
		case string(key) == "Records":
			if err := d.records(out); err != nil {
				return err
			}
		default:
			if err := d.skip(1); err != nil {
				return err
			}
		}
		if d.consume(',') {
			continue
		}
		if d.consume('}') {
			return d.end()
		}
		return d.errorf("want ',' or '}'")
	}
}

// answerEntry is one decoded entry of an answer; a field is absent when
// its has bit is clear. The sequence number is arena[seq:seqEnd].
type answerEntry struct {
	seq, seqEnd int
	shard, code string
	msg         string
	has         uint8
}

// The has bits of answerEntry.
const (
	hasSeq = 1 << iota
	hasShard
	hasCode
	hasMsg
)

// seqChunk is how many entries' sequence numbers share one string.
const seqChunk = 64

// answerDecoder reads one answer, s, from byte i on.
type answerDecoder struct {
	s []byte
	i int
	// arena holds the sequence numbers of the answer, one after another.
	arena []byte
	// interned are the shard IDs and error codes of the answer, each
	// copied out of s once; last is the last one used.
	interned []string
	last     string
	// call, if not nil, may take the entries as outcomes.
	call *putCall
}

// records reads the Records array into out.Records.
func (d *answerDecoder) records(out *kinesis.PutRecordsOutput) error {
	if !d.consume('[') {
		return d.errorf("want '['")
	}
	sc, _ := answerScratch.Get().(*scratch)
	if sc == nil {
		sc = new(scratch)
	}
	defer func() { clear(sc.entries); sc.entries = sc.entries[:0]; sc.arena = sc.arena[:0]; answerScratch.Put(sc) }()
	d.arena = sc.arena[:0]
	if !d.consume(']') {
		for {
			var e answerEntry
			if !d.null() {
				err := d.entry(&e)
				sc.arena = d.arena
				if err != nil {
					return err
				}
			}
			sc.entries = append(sc.entries, e)
			if d.consume(',') {
				continue
			}
			if d.consume(']') {
				break
			}
			return d.errorf("want ',' or ']'")
		}
	}
	entries := sc.entries

	// Straight into the caller's outcomes, when it has room for them all.
	seqs := d.sequenceNumbers(entries)
	if c := d.call; c != nil && c.out != nil {
		c.decoded, c.entries = true, len(entries)
		if len(entries) == len(c.out) {
			for i := range entries {
				e := &entries[i]
				c.out[i] = outcome(e.shard, seqs(i), e.code, e.msg)
			}
		}
		return nil
	}

	// Else one array for the entries and one for the strings they point to.
	n := 0
	for i := range entries {
		n += popcount4(entries[i].has)
	}
	recs := make([]types.PutRecordsResultEntry, len(entries))
	strs := make([]string, n)
	k := 0
	ptr := func(s string) *string {
		strs[k] = s
		k++
		return &strs[k-1]
	}
	for i := range entries {
		e, r, seq := &entries[i], &recs[i], seqs(i)
		if e.has&hasSeq != 0 {
			r.SequenceNumber = ptr(seq)
		}
		if e.has&hasShard != 0 {
			r.ShardId = ptr(e.shard)
		}
		if e.has&hasCode != 0 {
			r.ErrorCode = ptr(e.code)
		}
		if e.has&hasMsg != 0 {
			r.ErrorMessage = ptr(e.msg)
		}
	}
	out.Records = recs
	return nil
}

// sequenceNumbers returns the sequence number of entries[i] ("" if it has
// none), to be called for every i in order, 0, 1, 2...: the sequence
// numbers of every seqChunk entries share one string.
func (d *answerDecoder) sequenceNumbers(entries []answerEntry) func(i int) string {
	var chunk string
	chunkStart := 0
	return func(i int) string {
		if i%seqChunk == 0 {
			// The arena bytes of entries i to i+seqChunk-1.
			lo, hi := -1, 0
			for j := i; j < min(i+seqChunk, len(entries)); j++ {
				if entries[j].has&hasSeq != 0 {
					if lo < 0 {
						lo = entries[j].seq
					}
					hi = entries[j].seqEnd
				}
			}
			if lo >= 0 {
				chunk, chunkStart = string(d.arena[lo:hi]), lo
			}
		}
		e := &entries[i]
		if e.has&hasSeq == 0 {
			return ""
		}
		return chunk[e.seq-chunkStart : e.seqEnd-chunkStart]
	}
}

// scratch is what decoding an answer needs until it ends.
type scratch struct {
	entries []answerEntry
	arena   []byte
}

// answerScratch recycles scratch.
var answerScratch sync.Pool // *scratch

// popcount4 is the number of bits set in the low four bits of b.
func popcount4(b uint8) int {
	return int(b&1 + b>>1&1 + b>>2&1 + b>>3&1)
}

// entry reads one entry object into e.
func (d *answerDecoder) entry(e *answerEntry) error {
	if !d.consume('{') {
		return d.errorf("want an entry object")
	}
	if d.consume('}') {
		return nil
	}
	for {
		key, err := d.str()
		if err != nil {
			return err
		}
		if !d.consume(':') {
			return d.errorf("want ':'")
		}
		if d.null() {
			// absent
		} else {
			var v []byte
			switch string(key) {
			case "SequenceNumber", "ShardId", "ErrorCode", "ErrorMessage":
				if v, err = d.str(); err != nil {
					return err
				}
			default:
				if err := d.skip(2); err != nil {
					return err
				}
			}
			switch string(key) {
			case "SequenceNumber":
				e.seq = len(d.arena)
				d.arena = append(d.arena, v...)
				e.seqEnd, e.has = len(d.arena), e.has|hasSeq
			case "ShardId":
				e.shard, e.has = d.intern(v), e.has|hasShard
			case "ErrorCode":
				e.code, e.has = d.intern(v), e.has|hasCode
			case "ErrorMessage":
				e.msg, e.has = string(v), e.has|hasMsg
			}
		}
		if d.consume(',') {
			continue
		}
		if d.consume('}') {
			return nil
		}
		return d.errorf("want ',' or '}'")
	}
}

// intern is v as a string, the same string for equal values.
func (d *answerDecoder) intern(v []byte) string {
	if string(v) == d.last {
		return d.last
	}
	for _, s := range d.interned {
		if string(v) == s {
			d.last = s
			return s
		}
	}
	s := string(v)
	if len(d.interned) < 64 { // beyond, a linear search costs more than a copy
		d.interned = append(d.interned, s)
	}
	d.last = s
	return s
}

// errorf is an error at the current byte.
func (d *answerDecoder) errorf(format string, args ...any) error {
	return fmt.Errorf("PutRecords answer, byte %d: %s", d.i, fmt.Sprintf(format, args...))
}

// ws skips white space.
func (d *answerDecoder) ws() {
	for d.i < len(d.s) {
		switch d.s[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// consume skips white space and c, if c comes next.
func (d *answerDecoder) consume(c byte) bool {
	d.ws()
	if d.i < len(d.s) && d.s[d.i] == c {
		d.i++
		return true
	}
	return false
}

// literal skips white space and lit, if lit comes next.
func (d *answerDecoder) literal(lit string) bool {
	d.ws()
	if len(d.s)-d.i >= len(lit) && string(d.s[d.i:d.i+len(lit)]) == lit {
		d.i += len(lit)
		return true
	}
	return false
}

// null skips a null, if one comes next.
func (d *answerDecoder) null() bool { return d.literal("null") }

// end checks that only white space is left.
func (d *answerDecoder) end() error {
	d.ws()
	if d.i != len(d.s) {
		return d.errorf("data after the answer")
	}
	return nil
}

// str reads a string: a slice of s when it has no escapes (every string
// Kinesis sends), else a new slice, decoded by encoding/json.
func (d *answerDecoder) str() ([]byte, error) {
	d.ws()
	if d.i >= len(d.s) || d.s[d.i] != '"' {
		return nil, d.errorf("want a string")
	}
	start := d.i
	// The common case: no escapes before the closing quote.
	if q := bytes.IndexByte(d.s[start+1:], '"'); q >= 0 {
		v := d.s[start+1 : start+1+q : start+1+q]
		if bytes.IndexByte(v, '\\') < 0 {
			for _, c := range v {
				if c < 0x20 {
					return nil, d.errorf("control character in a string")
				}
			}
			d.i = start + 1 + q + 1
			return v, nil
		}
	}
	escaped := false
	for j := start + 1; j < len(d.s); j++ {
		switch c := d.s[j]; {
		case c == '"':
			d.i = j + 1
			if !escaped {
				return d.s[start+1 : j : j], nil
			}
			var v string
			if err := json.Unmarshal(d.s[start:j+1], &v); err != nil {
				d.i = start
				return nil, d.errorf("string: %v", err)
			}
			return []byte(v), nil
		case c == '\\':
			escaped = true
			j++ // the escaped byte cannot end the string
		case c < 0x20:
			d.i = j
			return nil, d.errorf("control character in a string")
		}
	}
	d.i = len(d.s)
	return nil, d.errorf("unterminated string")
}

// int32 reads a number that is an int32, as the SDK does: digits with an
// optional minus sign, no fraction or exponent.
func (d *answerDecoder) int32() (int32, error) {
	d.ws()
	start := d.i
	if err := d.number(); err != nil {
		return 0, err
	}
	tok := d.s[start:d.i]
	digits := bytes.TrimPrefix(tok, []byte("-"))
	var n int64
	for i := 0; i < len(digits); i++ {
		c := digits[i]
		if c < '0' || c > '9' {
			d.i = start
			return 0, d.errorf("want an integer, got %s", tok)
		}
		n = n*10 + int64(c-'0')
		if n > math.MaxInt32+1 {
			d.i = start
			return 0, d.errorf("integer %s out of range", tok)
		}
	}
	if len(digits) < len(tok) {
		n = -n
	}
	if n > math.MaxInt32 {
		d.i = start
		return 0, d.errorf("integer %s out of range", tok)
	}
	return int32(n), nil
}

// number skips a JSON number.
func (d *answerDecoder) number() error {
	s, i := d.s, d.i
	digits := func() bool {
		j := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		return i > j
	}
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case !digits():
		return d.errorf("want a value")
	}
	if i < len(s) && s[i] == '.' {
		i++
		if !digits() {
			return d.errorf("bad number")
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if !digits() {
			return d.errorf("bad number")
		}
	}
	d.i = i
	return nil
}

// errTooDeep is an answer nested deeper than maxAnswerDepth.
var errTooDeep = errors.New("PutRecords answer nested too deep")

// skip skips one value at nesting depth depth.
func (d *answerDecoder) skip(depth int) error {
	if depth > maxAnswerDepth {
		return errTooDeep
	}
	d.ws()
	if d.i >= len(d.s) {
		return d.errorf("want a value")
	}
	switch d.s[d.i] {
	case '"':
		_, err := d.str()
		return err
	case 't', 'f', 'n':
		if d.literal("true") || d.literal("false") || d.literal("null") {
			return nil
		}
		return d.errorf("want a value")
	case '{':
		d.i++
		if d.consume('}') {
			return nil
		}
		for {
			if _, err := d.str(); err != nil {
				return err
			}
			if !d.consume(':') {
				return d.errorf("want ':'")
			}
			if err := d.skip(depth + 1); err != nil {
				return err
			}
			if d.consume(',') {
				continue
			}
			if d.consume('}') {
				return nil
			}
			return d.errorf("want ',' or '}'")
		}
	case '[':
		d.i++
		if d.consume(']') {
			return nil
		}
		for {
			if err := d.skip(depth + 1); err != nil {
				return err
			}
			if d.consume(',') {
				continue
			}
			if d.consume(']') {
				return nil
			}
			return d.errorf("want ',' or ']'")
		}
	}
	return d.number()
}
