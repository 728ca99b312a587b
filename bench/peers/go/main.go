// Command lbrxgopeer is the Go side of liftbridge-rx's interop specs and
// benchmarks: a small CLI over the official Go client, go-liftbridge v2.3.0.
//
//	lbrxgopeer <subcommand> --brokers host:port[,host:port] [flags]
//
// Interop subcommands print plain text lines; bench-* subcommands print one
// JSON line in the same shape as the rx peer (bench/peers/rx/measure.ts).
// Any error goes to stderr with exit code 1.
package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	lift "github.com/liftbridge-io/go-liftbridge/v2"
)

// rpcTimeout bounds every single request (and each ack wait).
const rpcTimeout = 30 * time.Second

// stallTimeout fails a subscription that stops delivering before it is done.
const stallTimeout = 30 * time.Second

type subcommand func(args []string, out io.Writer) error

var subcommands = map[string]subcommand{
	"setcursor":   setCursor,
	"fetchcursor": fetchCursor,
	"resume":      resume,
	"publishkeys": publishKeys,
	"envelope":    envelope,
	"readack":     readAck,
	"bench-pub":   benchPub,
	"bench-sync":  benchSync,
	"bench-sub":   benchSub,
	"bench-slow":  benchSlow,
}

func main() {
	if len(os.Args) < 2 || subcommands[os.Args[1]] == nil {
		names := make([]string, 0, len(subcommands))
		for name := range subcommands {
			names = append(names, name)
		}
		sort.Strings(names)
		fmt.Fprintf(os.Stderr, "usage: lbrxgopeer <%s> --brokers host:port[,...] [flags]\n",
			strings.Join(names, "|"))
		os.Exit(1)
	}
	name := os.Args[1]
	out := bufio.NewWriter(os.Stdout)
	err := subcommands[name](os.Args[2:], out)
	if flushErr := out.Flush(); err == nil {
		err = flushErr
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "lbrxgopeer %s: %v\n", name, err)
		os.Exit(1)
	}
}

// flags is a subcommand's flag set, with the --brokers flag all of them take.
type flags struct {
	*flag.FlagSet
	brokers *string
}

func newFlags(name string) flags {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	return flags{fs, fs.String("brokers", "", "Liftbridge brokers, host:port[,host:port]")}
}

// parse parses args and checks that every flag in required was given.
func (f flags) parse(args []string, required ...string) error {
	if err := f.Parse(args); err != nil {
		return err
	}
	if f.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %v", f.Args())
	}
	given := map[string]bool{}
	f.Visit(func(fl *flag.Flag) { given[fl.Name] = true })
	for _, name := range append([]string{"brokers"}, required...) {
		if !given[name] {
			return fmt.Errorf("--%s is required", name)
		}
	}
	return nil
}

// connect opens a client. The context must not be cancelled while the client
// lives: go-liftbridge opens its PublishAsync streams with it.
func (f flags) connect() (lift.Client, error) {
	var addrs []string
	for _, addr := range strings.Split(*f.brokers, ",") {
		if addr = strings.TrimSpace(addr); addr != "" {
			addrs = append(addrs, addr)
		}
	}
	if len(addrs) == 0 {
		return nil, errors.New("--brokers lists no address")
	}
	return lift.ConnectCtx(context.Background(), addrs, lift.AckWaitTime(rpcTimeout))
}

func rpcContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), rpcTimeout)
}

func setCursor(args []string, out io.Writer) error {
	f := newFlags("setcursor")
	stream := f.String("stream", "", "stream name")
	partition := f.Int("partition", 0, "stream partition")
	cursor := f.String("cursor", "", "cursor id")
	offset := f.Int64("offset", 0, "offset of the last processed message")
	if err := f.parse(args, "stream", "cursor", "offset"); err != nil {
		return err
	}
	client, err := f.connect()
	if err != nil {
		return err
	}
	defer client.Close()
	ctx, cancel := rpcContext()
	defer cancel()
	return client.SetCursor(ctx, *cursor, *stream, int32(*partition), *offset)
}

func fetchCursor(args []string, out io.Writer) error {
	f := newFlags("fetchcursor")
	stream := f.String("stream", "", "stream name")
	partition := f.Int("partition", 0, "stream partition")
	cursor := f.String("cursor", "", "cursor id")
	if err := f.parse(args, "stream", "cursor"); err != nil {
		return err
	}
	client, err := f.connect()
	if err != nil {
		return err
	}
	defer client.Close()
	ctx, cancel := rpcContext()
	defer cancel()
	offset, err := client.FetchCursor(ctx, *cursor, *stream, int32(*partition))
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(out, offset) // -1 when there is no cursor
	return err
}

// resume reads the messages after a cursor, up to the newest one, as
// "offset value" lines. go-liftbridge v2.3.0 has no resume-from-cursor
// option (its Resume() resumes paused partitions), so this fetches the
// cursor and starts at cursor + 1, or at the earliest message without one.
func resume(args []string, out io.Writer) error {
	f := newFlags("resume")
	stream := f.String("stream", "", "stream name")
	partition := f.Int("partition", 0, "stream partition")
	cursor := f.String("cursor", "", "cursor id")
	if err := f.parse(args, "stream", "cursor"); err != nil {
		return err
	}
	client, err := f.connect()
	if err != nil {
		return err
	}
	defer client.Close()
	ctx, cancel := rpcContext()
	offset, err := client.FetchCursor(ctx, *cursor, *stream, int32(*partition))
	cancel()
	if err != nil {
		return err
	}
	start, first := lift.StartAtEarliestReceived(), int64(0)
	if offset >= 0 {
		start, first = lift.StartAtOffset(offset+1), offset+1
	}
	return readToLatest(client, *stream, int32(*partition), start, first, func(m *lift.Message) error {
		_, err := fmt.Fprintf(out, "%d %s\n", m.Offset(), m.Value())
		return err
	})
}

// readToLatest calls each for every message of a partition from `start`
// (whose offset is `first`, or 0 for the earliest) to the newest message at
// the time of the call (StopAtLatestReceived), then returns.
func readToLatest(client lift.Client, stream string, partition int32,
	start lift.SubscriptionOption, first int64, each func(*lift.Message) error) error {
	ctx, cancel := rpcContext()
	info, err := client.FetchPartitionMetadata(ctx, stream, partition)
	cancel()
	if err != nil {
		return err
	}
	// The server refuses STOP_LATEST on an empty partition and a stop before
	// the start (InvalidArgument): both mean nothing to read.
	if info.NewestOffset() < first {
		return nil
	}
	return subscribeUntil(client, stream, partition, func(m *lift.Message) (bool, error) {
		return false, each(m)
	}, start, lift.StopAtLatestReceived())
}

// subscribeUntil subscribes and calls each for every message until it says
// done, the stop position is reached (ErrReadonlyPartition: the server's
// ResourceExhausted), an error occurs, or nothing arrives for stallTimeout.
// go-liftbridge calls the handler from one goroutine, in offset order.
func subscribeUntil(client lift.Client, stream string, partition int32,
	each func(*lift.Message) (bool, error), options ...lift.SubscriptionOption) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var (
		result   = make(chan error, 1)
		finished atomic.Bool
		received atomic.Int64
	)
	finish := func(err error) {
		if finished.CompareAndSwap(false, true) {
			result <- err
			cancel()
		}
	}
	handler := func(m *lift.Message, err error) {
		if finished.Load() {
			return
		}
		if errors.Is(err, lift.ErrReadonlyPartition) {
			finish(nil)
			return
		}
		if err != nil {
			finish(err)
			return
		}
		received.Add(1)
		done, err := each(m)
		if done || err != nil {
			finish(err)
		}
	}
	options = append(options, lift.Partition(partition))
	if err := client.Subscribe(ctx, stream, handler, options...); err != nil {
		if errors.Is(err, lift.ErrReadonlyPartition) {
			return nil // e.g. STOP_LATEST on a partition that is still empty
		}
		return err
	}
	ticker := time.NewTicker(stallTimeout)
	defer ticker.Stop()
	seen := int64(-1)
	for {
		select {
		case err := <-result:
			return err
		case <-ticker.C:
			n := received.Load()
			if n == seen {
				finish(fmt.Errorf("subscription stalled: no message for %v after %d", stallTimeout, n))
			}
			seen = n
		}
	}
}

// publishKeys publishes one message per key (value = key) with
// PartitionByKey, then reads the stream back to report the partition each
// key landed on: the ack does not say (its PartitionSubject is the stream's
// subject for every partition). Use a fresh stream.
func publishKeys(args []string, out io.Writer) error {
	f := newFlags("publishkeys")
	stream := f.String("stream", "", "stream name")
	keyList := f.String("keys", "", "comma-separated keys")
	if err := f.parse(args, "stream", "keys"); err != nil {
		return err
	}
	keys := strings.Split(*keyList, ",")
	client, err := f.connect()
	if err != nil {
		return err
	}
	defer client.Close()
	for _, key := range keys {
		ctx, cancel := rpcContext()
		_, err := client.Publish(ctx, *stream, []byte(key),
			lift.Key([]byte(key)), lift.PartitionByKey(), lift.AckPolicyLeader())
		cancel()
		if err != nil {
			return fmt.Errorf("publish key %q: %w", key, err)
		}
	}
	ctx, cancel := rpcContext()
	md, err := client.FetchMetadata(ctx, lift.Streams([]string{*stream}))
	cancel()
	if err != nil {
		return err
	}
	info := md.GetStream(*stream)
	if info == nil {
		return fmt.Errorf("no metadata for stream %s", *stream)
	}
	landed := map[string]int32{}
	for id := range info.Partitions() {
		err := readToLatest(client, *stream, id, lift.StartAtEarliestReceived(), 0,
			func(m *lift.Message) error {
				key := string(m.Key())
				if p, dup := landed[key]; dup && p != id {
					return fmt.Errorf("key %q found in partitions %d and %d", key, p, id)
				}
				landed[key] = id
				return nil
			})
		if err != nil {
			return err
		}
	}
	for _, key := range keys {
		p, ok := landed[key]
		if !ok {
			return fmt.Errorf("key %q was acked but not found in the stream", key)
		}
		if _, err := fmt.Fprintf(out, "%s %d\n", key, p); err != nil {
			return err
		}
	}
	return nil
}

// result is the benchmark JSON line (bench/peers/rx/measure.ts Result).
type result struct {
	Client       string   `json:"client"`
	Workload     string   `json:"workload"`
	Messages     int      `json:"messages"`
	Bytes        int64    `json:"bytes"`
	Seconds      float64  `json:"seconds"`
	MsgsPerSec   float64  `json:"msgsPerSec"`
	MbPerSec     float64  `json:"mbPerSec"`
	LatencyP50Ms *float64 `json:"latencyP50Ms"`
	LatencyP99Ms *float64 `json:"latencyP99Ms"`
	CPUSeconds   float64  `json:"cpuSeconds"`
	PeakRssMb    float64  `json:"peakRssMb"`
}

// usage is a point in wall-clock and CPU time (user + system) of this process.
type usage struct {
	at  time.Time
	cpu time.Duration
}

func now() usage {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return usage{time.Now(), time.Duration(ru.Utime.Nano() + ru.Stime.Nano())}
}

func round(v float64, digits int) float64 {
	scale := math.Pow(10, float64(digits))
	return math.Round(v*scale) / scale
}

// report fills in the timing fields of r for the measured part since start
// and writes it as one JSON line.
func report(out io.Writer, r result, start usage, latencies []time.Duration) error {
	end := now()
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	r.Client = "go"
	r.Seconds = end.at.Sub(start.at).Seconds()
	r.MsgsPerSec = math.Round(float64(r.Messages) / r.Seconds)
	r.MbPerSec = round(float64(r.Bytes)/1e6/r.Seconds, 2)
	r.CPUSeconds = round((end.cpu - start.cpu).Seconds(), 3)
	r.PeakRssMb = math.Round(float64(ru.Maxrss) / 1024) // Linux: ru_maxrss in KiB
	if len(latencies) > 0 {
		sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
		r.LatencyP50Ms = percentile(latencies, 0.5)
		r.LatencyP99Ms = percentile(latencies, 0.99)
	}
	line, err := json.Marshal(r)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(out, "%s\n", line)
	return err
}

// percentile of sorted latencies, in ms: the same pick as the rx peer.
func percentile(sorted []time.Duration, q float64) *float64 {
	i := int(math.Min(float64(len(sorted)-1), math.Floor(q*float64(len(sorted)))))
	ms := round(float64(sorted[i])/float64(time.Millisecond), 3)
	return &ms
}

// payloads makes up to 4096 distinct random payloads (cycled), before timing.
func payloads(count, size int) ([][]byte, error) {
	n := count
	if n > 4096 {
		n = 4096
	}
	if n < 1 {
		n = 1
	}
	all := make([]byte, n*size)
	if _, err := rand.Read(all); err != nil {
		return nil, err
	}
	out := make([][]byte, n)
	for i := range out {
		out[i] = all[i*size : (i+1)*size : (i+1)*size]
	}
	return out, nil
}

// benchFlags are the flags of bench-pub and bench-sync.
type benchFlags struct {
	flags
	stream                        *string
	count, size, inflight, warmup *int
}

// setup parses and checks the flags, makes the payloads and connects.
func (b benchFlags) setup(args []string) ([][]byte, lift.Client, error) {
	if err := b.parse(args, "stream"); err != nil {
		return nil, nil, err
	}
	if err := b.check(); err != nil {
		return nil, nil, err
	}
	data, err := payloads(*b.count, *b.size)
	if err != nil {
		return nil, nil, err
	}
	client, err := b.connect()
	if err != nil {
		return nil, nil, err
	}
	return data, client, nil
}

// run runs batch for the warm-up (discarded), then for --count messages,
// timed, and reports the result as the workload.
func (b benchFlags) run(out io.Writer, workload string, batch func(n int) ([]time.Duration, error)) error {
	if *b.warmup > 0 {
		if _, err := batch(*b.warmup); err != nil {
			return fmt.Errorf("warm-up: %w", err)
		}
	}
	start := now()
	latencies, err := batch(*b.count)
	if err != nil {
		return err
	}
	r := result{Workload: workload, Messages: *b.count, Bytes: int64(*b.count) * int64(*b.size)}
	return report(out, r, start, latencies)
}

func newBenchFlags(name string) benchFlags {
	f := newFlags(name)
	return benchFlags{
		flags:    f,
		stream:   f.String("stream", "", "stream name"),
		count:    f.Int("count", 100000, "measured messages"),
		size:     f.Int("size", 256, "payload bytes"),
		inflight: f.Int("inflight", 256, "most unacked messages at a time (bench-pub)"),
		warmup:   f.Int("warmup", 0, "messages sent before measuring"),
	}
}

func (b benchFlags) check() error {
	if *b.count < 1 || *b.size < 0 || *b.inflight < 1 || *b.warmup < 0 {
		return errors.New("--count and --inflight must be positive, --size and --warmup not negative")
	}
	return nil
}

// benchPub: PublishAsync with AckPolicy LEADER and at most --inflight
// unacked messages. The warm-up batch is sent and fully acked before the
// measured batch starts.
func benchPub(args []string, out io.Writer) error {
	b := newBenchFlags("bench-pub")
	data, client, err := b.setup(args)
	if err != nil {
		return err
	}
	defer client.Close()
	slots := make(chan struct{}, *b.inflight) // a semaphore of in-flight publishes
	// batch publishes n messages and waits for all acks; latencies[i] is the
	// time from handing message i to the client until its ack handler ran.
	batch := func(n int) ([]time.Duration, error) {
		var (
			wg        sync.WaitGroup
			failed    atomic.Pointer[error] // the first error
			latencies = make([]time.Duration, n)
		)
		fail := func(err error) { failed.CompareAndSwap(nil, &err) }
		for i := 0; i < n && failed.Load() == nil; i++ {
			i := i // go 1.21 semantics: one i per iteration for the closure
			slots <- struct{}{}
			wg.Add(1)
			sent := time.Now()
			onAck := func(_ *lift.Ack, err error) {
				latencies[i] = time.Since(sent) // each i is written once
				if err != nil {
					fail(err)
				}
				<-slots
				wg.Done()
			}
			err := client.PublishAsync(context.Background(), *b.stream, data[i%len(data)],
				onAck, lift.AckPolicyLeader())
			if err != nil { // not sent: no handler call will come
				fail(err)
				<-slots
				wg.Done()
			}
		}
		wg.Wait()
		if err := failed.Load(); err != nil {
			return nil, *err
		}
		return latencies, nil
	}
	return b.run(out, "pub-bulk", batch)
}

// benchSync: one Publish at a time (AckPolicy LEADER), each waiting for its ack.
func benchSync(args []string, out io.Writer) error {
	b := newBenchFlags("bench-sync")
	data, client, err := b.setup(args)
	if err != nil {
		return err
	}
	defer client.Close()
	batch := func(n int) ([]time.Duration, error) {
		latencies := make([]time.Duration, n)
		for i := 0; i < n; i++ {
			sent := time.Now()
			// No deadline on ctx: go-liftbridge would use it as the ack
			// timeout (AckWaitTime applies instead).
			_, err := client.Publish(context.Background(), *b.stream, data[i%len(data)],
				lift.AckPolicyLeader())
			if err != nil {
				return nil, err
			}
			latencies[i] = time.Since(sent)
		}
		return latencies, nil
	}
	return b.run(out, "pub-sync", batch)
}

// benchSub: subscribe from the earliest message and read --count messages
// (bytes counts the values received).
func benchSub(args []string, out io.Writer) error {
	f := newFlags("bench-sub")
	stream := f.String("stream", "", "stream name")
	count := f.Int("count", 100000, "messages to read")
	partition := f.Int("partition", 0, "stream partition")
	if err := f.parse(args, "stream"); err != nil {
		return err
	}
	if *count < 1 {
		return errors.New("--count must be positive")
	}
	client, err := f.connect()
	if err != nil {
		return err
	}
	defer client.Close()
	var (
		received int
		bytes    int64
	)
	start := now()
	err = subscribeUntil(client, *stream, int32(*partition), func(m *lift.Message) (bool, error) {
		received++
		bytes += int64(len(m.Value()))
		return received == *count, nil
	}, lift.StartAtEarliestReceived())
	if err != nil {
		return err
	}
	if received < *count {
		return fmt.Errorf("the stream ended after %d of %d messages", received, *count)
	}
	return report(out, result{Workload: "sub", Messages: received, Bytes: bytes}, start, nil)
}

// envelope prints, in hex, the envelope go-liftbridge's NewMessage makes of
// a fixed message (for the envelope interop spec; needs no server).
func envelope(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("envelope", flag.ContinueOnError)
	if err := fs.Parse(args); err != nil {
		return err
	}
	data := lift.NewMessage([]byte("hello envelope"),
		lift.Key([]byte("key-1")),
		lift.AckInbox("acks.inbox"),
		lift.CorrelationID("corr-1"),
		lift.AckPolicyAll(),
		lift.Header("h", []byte("v")))
	_, err := fmt.Fprintln(out, hex.EncodeToString(data))
	return err
}

// readAck decodes an ack envelope (hex on --hex) with go-liftbridge's
// UnmarshalAck and prints its fields, one "name value" per line.
func readAck(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("readack", flag.ContinueOnError)
	raw := fs.String("hex", "", "ack envelope in hex")
	if err := fs.Parse(args); err != nil {
		return err
	}
	data, err := hex.DecodeString(*raw)
	if err != nil {
		return err
	}
	ack, err := lift.UnmarshalAck(data)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(out, "stream %s\noffset %d\ncorrelationId %s\nackInbox %s\nmsgSubject %s\npartitionSubject %s\nackPolicy %d\n",
		ack.Stream(), ack.Offset(), ack.CorrelationID(), ack.AckInbox(), ack.MessageSubject(),
		ack.PartitionSubject(), ack.AckPolicy())
	return err
}

// slowResult is bench-slow's JSON line (the rx peer's SlowResult).
type slowResult struct {
	Client        string  `json:"client"`
	Workload      string  `json:"workload"`
	Mode          string  `json:"mode"`
	Messages      int64   `json:"messages"`
	Seconds       float64 `json:"seconds"`
	CPUSeconds    float64 `json:"cpuSeconds"`
	BaselineRssMb float64 `json:"baselineRssMb"`
	PeakRssMb     float64 `json:"peakRssMb"`
	RssGrowthMb   float64 `json:"rssGrowthMb"`
	StoppedAtCap  bool    `json:"stoppedAtCap"`
}

// rssBytes is this process's resident set now (VmRSS in /proc/self/status).
func rssBytes() int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			fields := strings.Fields(line)
			if len(fields) >= 2 {
				kb, _ := strconv.ParseInt(fields[1], 10, 64)
				return kb * 1024
			}
		}
	}
	return 0
}

// benchSlow: the slow-consumer workload: Subscribe from the earliest message
// of a backlog with a handler that sleeps --handler-ms per message, for
// --seconds; reports the messages handled and the peak RSS growth over the
// RSS before subscribing. go-liftbridge calls the handler on the goroutine
// that reads the stream, so a slow handler stops reading (gRPC flow control).
func benchSlow(args []string, out io.Writer) error {
	f := newFlags("bench-slow")
	stream := f.String("stream", "", "stream name")
	seconds := f.Float64("seconds", 30, "how long to read")
	handlerMs := f.Float64("handler-ms", 1, "handler time per message (ms)")
	if err := f.parse(args, "stream"); err != nil {
		return err
	}
	client, err := f.connect()
	if err != nil {
		return err
	}
	defer client.Close()
	ctx, cancel := rpcContext()
	_, err = client.FetchMetadata(ctx)
	cancel()
	if err != nil {
		return err
	}
	baseline := rssBytes()
	start := now()
	var handled atomic.Int64
	failed := make(chan error, 1)
	subCtx, stop := context.WithCancel(context.Background())
	defer stop()
	pause := time.Duration(*handlerMs * float64(time.Millisecond))
	err = client.Subscribe(subCtx, *stream, func(m *lift.Message, err error) {
		if err != nil {
			if subCtx.Err() == nil {
				select {
				case failed <- err:
				default:
				}
			}
			return
		}
		time.Sleep(pause)
		handled.Add(1)
	}, lift.StartAtEarliestReceived())
	if err != nil {
		return err
	}
	select {
	case err := <-failed:
		return err
	case <-time.After(time.Duration(*seconds * float64(time.Second))):
	}
	n := handled.Load()
	stop()
	end := now()
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	peak := ru.Maxrss * 1024 // Linux: ru_maxrss in KiB
	const mb = 1024 * 1024
	r := slowResult{
		Client:        "go",
		Workload:      "slow-consumer",
		Mode:          "subscribe",
		Messages:      n,
		Seconds:       round(end.at.Sub(start.at).Seconds(), 1),
		CPUSeconds:    round((end.cpu - start.cpu).Seconds(), 3),
		BaselineRssMb: math.Round(float64(baseline) / mb),
		PeakRssMb:     math.Round(float64(peak) / mb),
		RssGrowthMb:   math.Round(float64(peak-baseline) / mb),
	}
	line, err := json.Marshal(r)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(out, "%s\n", line)
	return err
}
