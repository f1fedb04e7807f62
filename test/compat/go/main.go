// Floe compat driver for franz-go (github.com/twmb/franz-go/pkg/kgo).
//
// CLI contract and record spec: see test/compat/record-spec.ts and test/compat/drivers.ts.
//
//	--bootstrap host:port --topic T --mode produce|consume|seek
//	produce: --count N --partitions P --compression none|gzip|snappy|lz4|zstd [--start I]
//	consume: --partitions P --expect N [--timeout-ms 60000]
//	seek:    --partition p --seek earliest|latest|offset:<n>|timestamp:<ms> --expect N
//	         [--idle-ms 10000] [--timeout-ms 60000]
//	group:   --group G [--assignor ...] [--instance-id ID] [--session-timeout-ms N]
//	         [--expect-total N] [--idle-ms N] [--commit auto|sync]   (see group.go)
//
// Output: one JSON line per acknowledged (produce) or received (consume/seek) record; group
// mode prints the event lines of test/compat/groups/events.ts.
// Exit: 0 ok, 1 error, 2 usage, 3 consume timed out before --expect records arrived.
package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

const client = "franz-go"
const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// ---- record spec (mirror of test/compat/record-spec.ts) ----

func valueLength(i int64) int {
	switch {
	case i%1000 == 999:
		return 100000
	case i%100 == 99:
		return 10000
	case i%10 == 9:
		return 1000
	default:
		return int(10 + (i*37)%190)
	}
}

func recordValue(i int64) []byte {
	n := valueLength(i)
	v := make([]byte, n)
	for j := 0; j < n; j++ {
		v[j] = alphabet[(i*7+int64(j)*13)%62]
	}
	return v
}

// ---- CLI ----

var out = bufio.NewWriterSize(os.Stdout, 1<<16)

func die(code int, format string, a ...any) {
	out.Flush()
	fmt.Fprintf(os.Stderr, "franz-go driver: "+format+"\n", a...)
	os.Exit(code)
}

func main() {
	args := map[string]string{}
	for k := 1; k < len(os.Args); k += 2 {
		if !strings.HasPrefix(os.Args[k], "--") || k+1 >= len(os.Args) {
			die(2, "bad argument %q", os.Args[k])
		}
		args[os.Args[k][2:]] = os.Args[k+1]
	}
	req := func(k string) string {
		v, ok := args[k]
		if !ok {
			die(2, "missing --%s", k)
		}
		return v
	}
	num := func(k, def string) int64 {
		s, ok := args[k]
		if !ok {
			if def == "" {
				die(2, "missing --%s", k)
			}
			s = def
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			die(2, "bad --%s %q", k, s)
		}
		return n
	}
	bootstrap, topic := req("bootstrap"), req("topic")
	var code int
	switch req("mode") {
	case "produce":
		code = produce(bootstrap, topic, num("count", ""), num("partitions", ""), num("start", "0"), req("compression"))
	case "consume":
		n := num("partitions", "")
		offsets := map[int32]kgo.Offset{}
		for p := int32(0); p < int32(n); p++ {
			offsets[p] = kgo.NewOffset().AtStart()
		}
		code = consume(bootstrap, topic, offsets, num("expect", ""), num("timeout-ms", "60000"), 0)
	case "group":
		code = runGroup(args, bootstrap, topic, num)
	case "seek":
		seek := req("seek")
		var off kgo.Offset
		switch {
		case seek == "earliest":
			off = kgo.NewOffset().AtStart()
		case seek == "latest":
			off = kgo.NewOffset().AtEnd()
		case strings.HasPrefix(seek, "offset:"):
			n, err := strconv.ParseInt(seek[7:], 10, 64)
			if err != nil {
				die(2, "bad --seek %q", seek)
			}
			off = kgo.NewOffset().At(n)
		case strings.HasPrefix(seek, "timestamp:"):
			n, err := strconv.ParseInt(seek[10:], 10, 64)
			if err != nil {
				die(2, "bad --seek %q", seek)
			}
			off = kgo.NewOffset().AfterMilli(n)
		default:
			die(2, "bad --seek %q", seek)
		}
		expect := num("expect", "")
		idle := int64(0)
		if expect == 0 {
			idle = num("idle-ms", "10000")
		}
		code = consume(bootstrap, topic, map[int32]kgo.Offset{int32(num("partition", "")): off},
			expect, num("timeout-ms", "60000"), idle)
	default:
		die(2, "unknown --mode %q", args["mode"])
	}
	out.Flush()
	os.Exit(code)
}

func codec(name string) kgo.CompressionCodec {
	switch name {
	case "none":
		return kgo.NoCompression()
	case "gzip":
		return kgo.GzipCompression()
	case "snappy":
		return kgo.SnappyCompression()
	case "lz4":
		return kgo.Lz4Compression()
	case "zstd":
		return kgo.ZstdCompression()
	}
	die(2, "bad --compression %q", name)
	panic("unreachable")
}

// ---- produce ----

func produce(bootstrap, topic string, count, partitions, start int64, compression string) int {
	// Defaults otherwise: idempotent, acks=all.
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(bootstrap),
		kgo.DefaultProduceTopic(topic),
		kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.ProducerBatchCompression(codec(compression)),
	)
	if err != nil {
		die(1, "client: %v", err)
	}
	defer cl.Close()
	var mu sync.Mutex
	var firstErr error
	for i := start; i < start+count; i++ {
		idx := i
		r := &kgo.Record{
			Partition: int32(i % partitions),
			Key:       []byte("k-" + strconv.FormatInt(i, 10)),
			Value:     recordValue(i),
			Headers: []kgo.RecordHeader{
				{Key: "idx", Value: []byte(strconv.FormatInt(i, 10))},
				{Key: "src", Value: []byte(client)},
			},
		}
		cl.Produce(context.Background(), r, func(r *kgo.Record, err error) {
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if firstErr == nil {
					firstErr = err
				}
				return
			}
			fmt.Fprintf(out, "{\"i\":%d,\"partition\":%d,\"offset\":%d}\n", idx, r.Partition, r.Offset)
		})
	}
	if err := cl.Flush(context.Background()); err != nil {
		die(1, "flush: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if firstErr != nil {
		die(1, "delivery failed: %v", firstErr)
	}
	return 0
}

// ---- consume / seek ----

type row struct {
	Partition   int32       `json:"partition"`
	Offset      int64       `json:"offset"`
	Key         *string     `json:"key"`
	ValueSha256 string      `json:"valueSha256"`
	ValueLength int         `json:"valueLength"`
	Headers     [][2]string `json:"headers"`
	TimestampMs int64       `json:"timestampMs"`
}

func consume(bootstrap, topic string, offsets map[int32]kgo.Offset, expect, timeoutMs, idleMs int64) int {
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(bootstrap),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: offsets}),
	)
	if err != nil {
		die(1, "client: %v", err)
	}
	defer cl.Close()
	deadline := time.Now().Add(time.Duration(timeoutMs) * time.Millisecond)
	lastNew := time.Now()
	enc := json.NewEncoder(out)
	var got int64
	for {
		now := time.Now()
		if expect > 0 && got >= expect {
			return 0
		}
		if idleMs > 0 && now.Sub(lastNew) >= time.Duration(idleMs)*time.Millisecond {
			return 0
		}
		if !now.Before(deadline) {
			die(3, "timed out after %d ms with %d/%d records", timeoutMs, got, expect)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		fetches := cl.PollFetches(ctx)
		cancel()
		for _, fe := range fetches.Errors() {
			if fe.Err == context.DeadlineExceeded || fe.Err == context.Canceled {
				continue
			}
			die(1, "fetch %s[%d]: %v", fe.Topic, fe.Partition, fe.Err)
		}
		fetches.EachRecord(func(r *kgo.Record) {
			if expect > 0 && got >= expect {
				return
			}
			got++
			lastNew = time.Now()
			sum := sha256.Sum256(r.Value)
			var key *string
			if r.Key != nil {
				k := string(r.Key)
				key = &k
			}
			valueLen := len(r.Value)
			if r.Value == nil {
				valueLen = -1 // null value, as the other drivers print it
			}
			headers := make([][2]string, 0, len(r.Headers))
			for _, h := range r.Headers {
				headers = append(headers, [2]string{h.Key, string(h.Value)})
			}
			if err := enc.Encode(row{r.Partition, r.Offset, key, hex.EncodeToString(sum[:]), valueLen, headers, r.Timestamp.UnixMilli()}); err != nil {
				die(1, "write: %v", err)
			}
		})
	}
}
