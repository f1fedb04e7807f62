// `--mode group` of the franz-go compat driver (classic group protocol; kgo's default, the
// KIP-848 path needs the ServerSideBalancer option, which is not set).
//
//	--bootstrap B --topic T --group G [--assignor range|roundrobin|sticky|cooperative-sticky]
//	[--instance-id ID] [--session-timeout-ms N] [--expect-total N] [--idle-ms N]
//	[--commit auto|sync]
//
// Prints the event lines of test/compat/groups/events.ts: "started"; "assigned"/"revoked"/
// "lost" from OnPartitionsAssigned/Revoked/Lost with the generation and member id from
// GroupMetadata(); "record"; "commit" (sync commits, and auto-commits via
// AutoCommitCallback); "closed". The default balancer is kgo's default, cooperative-sticky.
//
// BlockRebalanceOnPoll serialises the callbacks with the poll loop: records are printed and
// their positions committed (CommitOffsetsSync) before AllowRebalance, so a revoke never lands
// between processing and committing. A failed commit stays pending and is retried on the next
// loop turn; OnPartitionsRevoked commits what is pending for the revoked partitions;
// OnPartitionsLost drops it. Heartbeat interval = max(500, session timeout / 6) ms.
// SIGTERM: leave the loop, AllowRebalance, Close() (revoke, then LeaveGroup for a dynamic
// member), print "closed", exit 0.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

type groupRun struct {
	topic   string
	mu      sync.Mutex // guards out, pending and lastNew
	pending map[int32]int64
	lastNew int64 // ms of the last record or the first assignment; 0 before either
}

func nowMs() int64 { return time.Now().UnixMilli() }

func (g *groupRun) line(format string, a ...any) {
	fmt.Fprintf(out, format+"\n", a...)
	out.Flush()
}

func genJSON(cl *kgo.Client) (string, string) {
	member, gen := cl.GroupMetadata()
	genS, memberS := "null", "null"
	if gen >= 0 {
		genS = strconv.Itoa(int(gen))
	}
	if member != "" {
		b, _ := json.Marshal(member)
		memberS = string(b)
	}
	return genS, memberS
}

func (g *groupRun) event(ev string, cl *kgo.Client, m map[string][]int32) {
	ps := append([]int32{}, m[g.topic]...)
	sort.Slice(ps, func(a, b int) bool { return ps[a] < ps[b] })
	list, _ := json.Marshal(ps)
	gen, member := genJSON(cl)
	g.line(`{"ev":%q,"partitions":%s,"generation":%s,"memberId":%s,"t":%d}`, ev, list, gen, member, nowMs())
}

// commitEvent prints one "commit" line from an OffsetCommit request/response pair.
// issuedAt is when the commit was started (0: unknown, for auto-commits).
func (g *groupRun) commitEvent(cl *kgo.Client, sent map[int32]int64, issuedAt int64, resp *kmsg.OffsetCommitResponse, err error) bool {
	if err == nil && resp != nil {
		for _, t := range resp.Topics {
			for _, p := range t.Partitions {
				if e := kerr.ErrorForCode(p.ErrorCode); e != nil && err == nil {
					err = e
				}
			}
		}
	}
	parts := make([]string, 0, len(sent))
	for q, o := range sent {
		parts = append(parts, fmt.Sprintf("%q:%d", strconv.Itoa(int(q)), o))
	}
	sort.Strings(parts)
	gen, _ := genJSON(cl)
	errField := ""
	if err != nil {
		b, _ := json.Marshal(err.Error())
		errField = `,"error":` + string(b)
	}
	t0 := ""
	if issuedAt > 0 {
		t0 = fmt.Sprintf(`,"t0":%d`, issuedAt)
	}
	g.line(`{"ev":"commit","offsets":{%s},"ok":%t%s,"generation":%s%s,"t":%d}`,
		strings.Join(parts, ","), err == nil, errField, gen, t0, nowMs())
	return err == nil
}

// commitPending commits the pending positions of the given partitions (all when nil).
// Caller holds g.mu.
func (g *groupRun) commitPending(ctx context.Context, cl *kgo.Client, only []int32) {
	sent := map[int32]int64{}
	for q, o := range g.pending {
		if only == nil || containsInt32(only, q) {
			sent[q] = o
		}
	}
	if len(sent) == 0 {
		return
	}
	offsets := map[int32]kgo.EpochOffset{}
	for q, o := range sent {
		offsets[q] = kgo.EpochOffset{Epoch: -1, Offset: o}
	}
	var ok bool
	issuedAt := nowMs()
	cl.CommitOffsetsSync(ctx, map[string]map[int32]kgo.EpochOffset{g.topic: offsets},
		func(cl *kgo.Client, _ *kmsg.OffsetCommitRequest, resp *kmsg.OffsetCommitResponse, err error) {
			ok = g.commitEvent(cl, sent, issuedAt, resp, err)
		})
	if ok {
		for q, o := range sent {
			if g.pending[q] == o {
				delete(g.pending, q)
			}
		}
	}
}

func containsInt32(xs []int32, x int32) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func balancer(name string) kgo.GroupBalancer {
	switch name {
	case "range":
		return kgo.RangeBalancer()
	case "roundrobin":
		return kgo.RoundRobinBalancer()
	case "sticky":
		return kgo.StickyBalancer()
	case "cooperative-sticky":
		return kgo.CooperativeStickyBalancer()
	}
	die(2, "bad --assignor %q", name)
	return nil
}

func runGroup(args map[string]string, bootstrap, topic string, num func(k, def string) int64) int {
	group, ok := args["group"]
	if !ok {
		die(2, "missing --group")
	}
	commit := args["commit"]
	if commit == "" {
		commit = "sync"
	}
	if commit != "sync" && commit != "auto" {
		die(2, "bad --commit %q", commit)
	}
	syncCommit := commit == "sync"
	session := time.Duration(num("session-timeout-ms", "10000")) * time.Millisecond
	heartbeat := max(500*time.Millisecond, session/6)
	expectTotal, idleMs := num("expect-total", "0"), num("idle-ms", "0")
	g := &groupRun{topic: topic, pending: map[int32]int64{}}

	opts := []kgo.Opt{
		kgo.SeedBrokers(bootstrap),
		kgo.ClientID(fmt.Sprintf("floe-group-franzgo-%d", os.Getpid())),
		kgo.ConsumerGroup(group),
		kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.SessionTimeout(session),
		kgo.HeartbeatInterval(heartbeat),
		kgo.BlockRebalanceOnPoll(),
		kgo.OnPartitionsAssigned(func(_ context.Context, cl *kgo.Client, m map[string][]int32) {
			g.mu.Lock()
			defer g.mu.Unlock()
			if g.lastNew == 0 {
				g.lastNew = nowMs()
			}
			g.event("assigned", cl, m)
		}),
		kgo.OnPartitionsRevoked(func(ctx context.Context, cl *kgo.Client, m map[string][]int32) {
			g.mu.Lock()
			defer g.mu.Unlock()
			if syncCommit {
				g.commitPending(ctx, cl, m[topic])
			} else {
				cl.CommitUncommittedOffsets(ctx) // auto mode: what kgo's default revoke does
			}
			for _, q := range m[topic] {
				delete(g.pending, q)
			}
			g.event("revoked", cl, m)
		}),
		kgo.OnPartitionsLost(func(_ context.Context, cl *kgo.Client, m map[string][]int32) {
			g.mu.Lock()
			defer g.mu.Unlock()
			for _, q := range m[topic] {
				delete(g.pending, q)
			}
			g.event("lost", cl, m)
		}),
	}
	if name, ok := args["assignor"]; ok {
		opts = append(opts, kgo.Balancers(balancer(name)))
	}
	if id, ok := args["instance-id"]; ok {
		opts = append(opts, kgo.InstanceID(id))
	}
	if syncCommit {
		opts = append(opts, kgo.DisableAutoCommit())
	} else {
		opts = append(opts, kgo.AutoCommitInterval(time.Second),
			kgo.AutoCommitCallback(func(cl *kgo.Client, req *kmsg.OffsetCommitRequest, resp *kmsg.OffsetCommitResponse, err error) {
				sent := map[int32]int64{}
				for _, t := range req.Topics {
					for _, p := range t.Partitions {
						sent[p.Partition] = p.Offset
					}
				}
				g.mu.Lock()
				defer g.mu.Unlock()
				g.commitEvent(cl, sent, 0, resp, err)
			}))
	}
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		die(1, "client: %v", err)
	}
	term := make(chan os.Signal, 1)
	signal.Notify(term, syscall.SIGTERM)
	g.mu.Lock()
	g.line(`{"ev":"started","t":%d}`, nowMs())
	g.mu.Unlock()

	var printed int64
loop:
	for {
		select {
		case <-term:
			break loop
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		fetches := cl.PollFetches(ctx)
		cancel()
		g.mu.Lock()
		for _, fe := range fetches.Errors() {
			if fe.Err == context.DeadlineExceeded || fe.Err == context.Canceled {
				continue
			}
			b, _ := json.Marshal(fe.Err.Error())
			g.line(`{"ev":"error","error":%s,"t":%d}`, b, nowMs())
		}
		n := 0
		fetches.EachRecord(func(r *kgo.Record) {
			i := "null"
			if k := string(r.Key); strings.HasPrefix(k, "k-") {
				if _, err := strconv.ParseUint(k[2:], 10, 63); err == nil {
					i = k[2:]
				}
			}
			fmt.Fprintf(out, `{"ev":"record","partition":%d,"offset":%d,"i":%s,"t":%d}`+"\n", r.Partition, r.Offset, i, nowMs())
			g.pending[r.Partition] = r.Offset + 1
			n++
		})
		out.Flush()
		if n > 0 {
			printed += int64(n)
			g.lastNew = nowMs()
		}
		idle := idleMs > 0 && g.lastNew > 0 && nowMs()-g.lastNew >= idleMs
		if syncCommit && len(g.pending) > 0 {
			g.commitPending(context.Background(), cl, nil)
		}
		g.mu.Unlock()
		cl.AllowRebalance()
		if expectTotal > 0 && printed >= expectTotal {
			break
		}
		if idle {
			break
		}
	}
	cl.AllowRebalance()
	cl.Close() // revokes (committing what is pending), then LeaveGroup
	g.mu.Lock()
	g.line(`{"ev":"closed","t":%d}`, nowMs())
	g.mu.Unlock()
	return 0
}
