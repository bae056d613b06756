package cli

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/cutover-dev/cutover/internal/loadgen"
)

// Bounds of a script's load: it runs at most scriptLoadFor, sends at most rate × scriptLoadFor
// requests, and only to the script's daemon on 127.0.0.1.
const (
	// scriptLoadFor is the longest a load started by `load start` runs if no `load stop` ends it.
	scriptLoadFor = 60 * time.Second
	// scriptLoadMaxRate is the highest rate `load start` accepts, in requests per second.
	scriptLoadMaxRate = 500
	// scriptLoadConcurrency is the most requests a script's load has outstanding at once.
	scriptLoadConcurrency = 16
)

// scriptLoad is a load under way in one script.
type scriptLoad struct {
	cancel context.CancelFunc
	done   chan struct{}
	res    *loadgen.Result
	err    error
}

// loads holds the load under way of each script.
var loads = struct {
	sync.Mutex
	of map[*testscript.TestScript]*scriptLoad
}{of: map[*testscript.TestScript]*scriptLoad{}}

// cmdLoad sends a bounded open-loop load of RATE requests per second to / on $LISTEN in the
// background, until `load stop`, which prints its figures ("load: sent 1200, failed 0 (refused
// 0, …)"): load start RATE | load stop.
func cmdLoad(ts *testscript.TestScript, neg bool, args []string) {
	switch {
	case neg:
		ts.Fatalf("unsupported: ! load")
	case len(args) == 2 && args[0] == "start":
		rate, err := strconv.Atoi(args[1])
		if err != nil || rate <= 0 || rate > scriptLoadMaxRate {
			ts.Fatalf("load start %s: give a rate from 1 to %d requests per second", args[1], scriptLoadMaxRate)
		}
		startLoad(ts, rate)
	case len(args) == 1 && args[0] == "stop":
		l := takeLoad(ts)
		if l == nil {
			ts.Fatalf("load stop: no load under way (`load start RATE` first)")
		}
		l.cancel()
		<-l.done
		if l.err != nil && !errors.Is(l.err, context.Canceled) {
			ts.Fatalf("load: %v", l.err)
		}
		fmt.Fprintf(ts.Stdout(), "load: %s\n", l.res)
	default:
		ts.Fatalf("usage: load start RATE | load stop")
	}
}

func startLoad(ts *testscript.TestScript, rate int) {
	ctx, cancel := context.WithCancel(context.Background())
	l := &scriptLoad{cancel: cancel, done: make(chan struct{})}
	loads.Lock()
	if loads.of[ts] != nil {
		loads.Unlock()
		cancel()
		ts.Fatalf("load start: a load is under way already (`load stop` first)")
	}
	loads.of[ts] = l
	loads.Unlock()
	opts := loadgen.Options{
		URL:         "http://" + ts.Getenv("LISTEN") + "/",
		Rate:        rate,
		Concurrency: scriptLoadConcurrency,
		Duration:    scriptLoadFor,
		MaxRequests: rate * int(scriptLoadFor/time.Second),
	}
	go func() {
		defer close(l.done)
		l.res, l.err = loadgen.Run(ctx, opts)
	}()
	ts.Defer(func() {
		if l := takeLoad(ts); l != nil { // the script ended without `load stop`
			l.cancel()
			<-l.done
		}
	})
}

// takeLoad removes the script's load under way from loads and returns it; nil when none.
func takeLoad(ts *testscript.TestScript) *scriptLoad {
	loads.Lock()
	defer loads.Unlock()
	l := loads.of[ts]
	delete(loads.of, ts)
	return l
}
