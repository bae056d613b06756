package gcfloor

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"sync/atomic"
)

// DefaultHeadroom is how far the heap may grow past what is live before the next collection, at
// least: 16 MiB. Under h2load over HTTP/2 (live heap about 4 MiB), three runs each way beside
// GOGC=100: 0.90× the CPU per request (37 µs from 41), 1.07× the requests per second, for 14 MiB
// more resident memory (50 MB from 36).
const DefaultHeadroom = 16 << 20

// The runtime's figures the tuner reads: the heap live after the last cycle, and the stacks and
// globals the collector scans, which GOGC multiplies as it does the live heap.
const (
	liveMetric    = "/gc/heap/live:bytes"
	stacksMetric  = "/gc/scan/stack:bytes"
	globalsMetric = "/gc/scan/globals:bytes"
)

// minHeap is the runtime's smallest heap goal at GOGC=100 (its defaultHeapMinimum); GOGC scales it
// too, so a large GOGC on a small heap would set a goal far past the headroom.
const minHeap = 4 << 20

// Percent is the GOGC that lets the heap grow by headroom past what is live before the next cycle,
// given the stacks and globals (roots) the collector scans: the runtime's goal is live + (live +
// roots) × GOGC/100, and at least minHeap × GOGC/100. It is never below 100, Go's default, whose
// goal is then the larger.
func Percent(live, roots, headroom uint64) int {
	base := max(live+roots, 1)
	p := min(headroom*100/base, (live+headroom)*100/minHeap)
	return int(max(p, 100))
}

// Tuner sets GOGC after each collection; see the package doc.
type Tuner struct {
	headroom uint64
	cycles   atomic.Int64
	percent  atomic.Int64

	calls atomic.Int64 // the finalizer's runs, a stopped tuner's last one included

	mu      sync.Mutex // orders adjust and Stop, so a stopped tuner sets nothing
	stopped bool
	sample  []metrics.Sample
}

// sentinel is what the tuner drops to hear of a cycle. It holds a pointer, so it is not one of the
// tiny pointer-free objects the allocator packs together and frees late.
type sentinel struct {
	t *Tuner
	_ [16]byte
}

// Start starts a tuner with headroom (DefaultHeadroom when 0) unless the environment sets GOGC or
// GOMEMLIMIT; then it returns nil. Stop the tuner with [Tuner.Stop].
func Start(headroom uint64) *Tuner {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return nil
	}
	if headroom == 0 {
		headroom = DefaultHeadroom
	}
	t := &Tuner{headroom: headroom, sample: []metrics.Sample{{Name: liveMetric}, {Name: stacksMetric}, {Name: globalsMetric}}}
	t.adjust()
	t.arm()
	return t
}

// Stop stops the tuner and gives GOGC back its default. A nil tuner (one that never started) does
// nothing.
func (t *Tuner) Stop() {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.stopped {
		t.stopped = true
		debug.SetGCPercent(100)
	}
}

// Cycles is how many collections the tuner has heard of.
func (t *Tuner) Cycles() int64 { return t.cycles.Load() }

// Percent is the GOGC the tuner set last.
func (t *Tuner) Percent() int { return int(t.percent.Load()) }

func (t *Tuner) arm() {
	runtime.SetFinalizer(&sentinel{t: t}, func(s *sentinel) {
		s.t.calls.Add(1)
		if s.t.adjust() {
			s.t.cycles.Add(1)
			s.t.arm()
		}
	})
}

// adjust sets GOGC for what is live now, and reports whether the tuner is still running.
func (t *Tuner) adjust() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.stopped {
		return false
	}
	metrics.Read(t.sample)
	var v [3]uint64
	for i, s := range t.sample {
		if s.Value.Kind() == metrics.KindUint64 {
			v[i] = s.Value.Uint64()
		}
	}
	p := Percent(v[0], v[1]+v[2], t.headroom)
	if int64(p) != t.percent.Load() {
		t.percent.Store(int64(p))
		debug.SetGCPercent(p)
	}
	return true
}
