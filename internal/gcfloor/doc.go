// Package gcfloor gives the daemon's heap a floor of headroom, so the garbage collector does not run
// every few megabytes when what is live is small.
//
// The model, in plain words: Go's collector starts a cycle once the heap has grown by GOGC percent
// (100) of what was live after the last one. A proxy keeps little alive — a few MiB of buffers,
// pools and tables — but allocates for every request, so at GOGC=100 it collects many times a
// second: in a profile of the proxy under h2load over HTTP/2, a tenth of its CPU went to the
// collector's marking and sweeping. After each cycle, [Start]'s tuner sets GOGC so that the next cycle comes only after
// the heap grew by the headroom (DefaultHeadroom, 16 MiB) past what is live, or by what GOGC=100
// allows when that is more: a small heap gets room, a large one exactly Go's default. GOGC
// multiplies the goroutine stacks and globals the collector scans, and the runtime's minimum heap,
// as it does the live heap, so the tuner counts them too ([Percent]). The cost is memory the
// daemon may hold before it collects, at most the headroom more than GOGC=100 would.
//
// A GOGC or GOMEMLIMIT a user sets in the environment is theirs: the tuner then does nothing.
//
// The tuner learns that a cycle ended from a finalizer on an object it drops, made again each time
// (the runtime has no hook for it); it reads what is live from runtime/metrics.
package gcfloor
