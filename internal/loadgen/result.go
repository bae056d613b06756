package loadgen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"syscall"
	"time"

	"github.com/cutover-dev/cutover/internal/report"
)

// Class says how a request failed.
type Class string

// The classes of a Sample. A deploy that drops no request shows only
// ClassOK.
const (
	// ClassOK is a request answered with a 1xx, 2xx or 3xx status.
	ClassOK Class = ""
	// ClassRefused is a connection refused: nothing listened on the port.
	ClassRefused Class = "refused"
	// ClassReset is a connection the server reset or closed before it
	// answered in full.
	ClassReset Class = "reset"
	// ClassServerError is an answer with a 5xx status.
	ClassServerError Class = "5xx"
	// ClassTimeout is a request that did not end within Options.Timeout.
	ClassTimeout Class = "timeout"
	// ClassOther is any other failure, a 4xx status included.
	ClassOther Class = "other"
)

// Sample is one request.
type Sample struct {
	// Start is when the request was due: its scheduled time in open loop,
	// the time it was sent in closed loop. Latency is End minus Start.
	Start, End time.Time
	// Status is the response status, 0 when none came.
	Status int
	// Version is the value of Options.VersionHeader in the response.
	Version string
	// Class is ClassOK or how the request failed.
	Class Class
	// Err is the transport error, if any.
	Err error
	// Retried reports that the HTTP client sent the request again on a new
	// connection after the first attempt failed, which hides a failure
	// from a client that does not look.
	Retried bool
}

// Result holds the figures of a run.
type Result struct {
	// Sent counts requests sent; OK and Failed split them.
	Sent, OK, Failed int64
	// ByClass counts failed requests by class; classes without failures
	// may be absent.
	ByClass map[Class]int64
	// Retries counts requests the HTTP client silently re-sent on a new
	// connection (see Sample.Retried).
	Retries int64
	// Unsent counts open-loop requests that were due before the run ended
	// but could not go out because Concurrency requests were outstanding
	// until then.
	Unsent int64
	// P50, P99 and Max are latencies over every request sent, failed ones
	// included, within about 2% (Max exactly).
	P50, P99, Max time.Duration
	// Samples holds every request, ordered by Start, when
	// Options.KeepSamples is set.
	Samples []Sample
}

// tally accumulates a Result without contention: each worker owns one.
type tally struct {
	res  Result
	hist report.Histogram
	keep bool
}

func newTally(keep bool) *tally {
	return &tally{res: Result{ByClass: map[Class]int64{}}, keep: keep}
}

func (t *tally) add(s Sample) {
	t.res.Sent++
	if s.Class == ClassOK {
		t.res.OK++
	} else {
		t.res.Failed++
		t.res.ByClass[s.Class]++
	}
	if s.Retried {
		t.res.Retries++
	}
	t.hist.Record(s.End.Sub(s.Start))
	if t.keep {
		t.res.Samples = append(t.res.Samples, s)
	}
}

func (t *tally) merge(o *tally) {
	t.res.Sent += o.res.Sent
	t.res.OK += o.res.OK
	t.res.Failed += o.res.Failed
	t.res.Retries += o.res.Retries
	for c, n := range o.res.ByClass {
		t.res.ByClass[c] += n
	}
	t.res.Samples = append(t.res.Samples, o.res.Samples...)
	t.hist.Merge(&o.hist)
}

// result finishes the figures and returns them.
func (t *tally) result() *Result {
	r := t.res
	r.P50, r.P99, r.Max = t.hist.Quantile(0.50), t.hist.Quantile(0.99), t.hist.Max()
	slices.SortStableFunc(r.Samples, func(a, b Sample) int { return a.Start.Compare(b.Start) })
	return &r
}

// Window returns the figures of the samples that started within
// [from, to), recomputed from Samples. It needs Options.KeepSamples; without
// samples it returns an empty Result.
func (r *Result) Window(from, to time.Time) *Result {
	t := newTally(true)
	for _, s := range r.Samples {
		if !s.Start.Before(from) && s.Start.Before(to) {
			t.add(s)
		}
	}
	return t.result()
}

// String summarizes r on one line, for example
// "sent 2400, failed 0 (refused 0, reset 0, 5xx 0, timeout 0), p50 1.2ms, p99 4.5ms".
// Other failures, retries and unsent requests are added when there are any.
func (r *Result) String() string {
	s := fmt.Sprintf("sent %d, failed %d (refused %d, reset %d, 5xx %d, timeout %d",
		r.Sent, r.Failed, r.ByClass[ClassRefused], r.ByClass[ClassReset], r.ByClass[ClassServerError], r.ByClass[ClassTimeout])
	if n := r.ByClass[ClassOther]; n > 0 {
		s += fmt.Sprintf(", other %d", n)
	}
	s += fmt.Sprintf("), p50 %s, p99 %s", report.FormatDuration(r.P50), report.FormatDuration(r.P99))
	if r.Retries > 0 {
		s += fmt.Sprintf(", retries %d", r.Retries)
	}
	if r.Unsent > 0 {
		s += fmt.Sprintf(", unsent %d", r.Unsent)
	}
	return s
}

// classify returns the class of a request that ended with status and err.
func classify(status int, err error) Class {
	var ne net.Error
	switch {
	case err == nil && status >= 500:
		return ClassServerError
	case err == nil && status >= 400:
		return ClassOther
	case err == nil:
		return ClassOK
	case errors.Is(err, syscall.ECONNREFUSED):
		return ClassRefused
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return ClassReset
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return ClassTimeout
	}
	return ClassOther
}
