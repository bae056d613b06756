package bake

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cutover-dev/cutover/internal/report"
)

// feed gives j n requests of release spread over the last seconds seconds, the first failed of
// them failed, each taking latency.
func feed(j *Judge, release string, n, failed, seconds int, latency time.Duration) {
	now := time.Now()
	for i := range n {
		at := now.Add(-time.Duration(seconds-1-i*seconds/n) * time.Second)
		o := report.OK
		if i < failed {
			o = report.AppError
		}
		j.observeAt(at, release, latency, o)
	}
}

func TestVerdict(t *testing.T) {
	ms := time.Millisecond
	healthyOld := Figures{Requests: 6000, Failed: 0, P99: 10 * ms}
	tests := []struct {
		name      string
		old       Figures
		n, failed int
		latency   time.Duration
		judged    bool
		regressed string // a word of the reason, "" for none
	}{
		{name: "too few requests to judge", old: healthyOld, n: 99, failed: 99, latency: ms},
		{name: "healthy", old: healthyOld, n: 1000, failed: 5, latency: 10 * ms, judged: true},
		{name: "20% 5xx", old: healthyOld, n: 200, failed: 40, latency: 10 * ms, judged: true, regressed: "20.0% of 200 requests failed"},
		{name: "old failed too: 3x its rate allowed", old: Figures{Requests: 1000, Failed: 50, P99: 10 * ms}, n: 1000, failed: 140, latency: 10 * ms, judged: true},
		{name: "old failed too: above 3x its rate", old: Figures{Requests: 1000, Failed: 50, P99: 10 * ms}, n: 1000, failed: 160, latency: 10 * ms, judged: true, regressed: "above the limit of 15.0%"},
		{name: "p99 5x", old: healthyOld, n: 500, latency: 50 * ms, judged: true, regressed: "p99 latency"},
		{name: "p99 2.1x but within the slack", old: Figures{Requests: 6000, P99: 1 * ms}, n: 500, latency: 3 * ms, judged: true},
		{name: "old too quiet to compare latency", old: Figures{Requests: 10, P99: ms}, n: 500, latency: time.Second, judged: true},
		{name: "old without busy seconds", old: Figures{Requests: 6000}, n: 500, latency: time.Second, judged: true},
		{name: "no old figures: errors still judged", old: Figures{}, n: 500, failed: 10, latency: ms, judged: true, regressed: "2.0% of 500"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := New("v2", tt.old, Thresholds{})
			feed(j, "v2", tt.n, tt.failed, 5, tt.latency)
			feed(j, "v1", tt.n, tt.n, 5, time.Hour) // another release's requests do not count
			v := j.Verdict()
			if v.Judged != tt.judged || v.Regressed != (tt.regressed != "") {
				t.Fatalf("judged %v regressed %v (%q), want judged %v regressed %v", v.Judged, v.Regressed, v.Reason, tt.judged, tt.regressed != "")
			}
			if !strings.Contains(v.Reason, tt.regressed) {
				t.Errorf("reason %q, want it to say %q", v.Reason, tt.regressed)
			}
			if why := j.Unjudged(v); (why == "") != tt.judged || !tt.judged && !strings.Contains(why, fmt.Sprintf("served %d requests, fewer than", tt.n)) {
				t.Errorf("unjudged %q, want it to name the %d requests when not judged", why, tt.n)
			}
		})
	}
}

// TestLatencyUnjudged names the cause when latency is not compared: the old release's requests,
// or its busy seconds.
func TestLatencyUnjudged(t *testing.T) {
	tests := []struct {
		old  Figures
		want string // "" when latency is judged
	}{
		{Figures{Requests: 6000, P99: time.Millisecond}, ""},
		{Figures{Requests: 99, P99: time.Millisecond}, "99 requests, fewer than 100"},
		{Figures{Requests: 381}, "381 requests, but in fewer than 3 seconds with 10 or more"},
	}
	for _, tt := range tests {
		j := New("v2", tt.old, Thresholds{})
		got := j.LatencyUnjudged()
		if (got == "") != (tt.want == "") || !strings.Contains(got, tt.want) || j.LatencyJudged() != (tt.want == "") {
			t.Errorf("old %+v: got %q (judged %v), want %q", tt.old, got, j.LatencyJudged(), tt.want)
		}
	}
}

// TestOneSlowSecond: a cold first second does not make the new release look slow, and the p99
// waits for enough busy seconds.
func TestOneSlowSecond(t *testing.T) {
	j := New("v2", Figures{Requests: 6000, P99: 10 * time.Millisecond}, Thresholds{})
	feed(j, "v2", 100, 0, 1, time.Second)
	if v := j.Verdict(); v.Regressed || v.New.P99 != 0 {
		t.Fatalf("after one slow second: %+v, want no p99 yet and no regression", v)
	}
	feed(j, "v2", 400, 0, 4, 10*time.Millisecond)
	if v := j.Verdict(); v.Regressed || v.New.P99 > 20*time.Millisecond {
		t.Fatalf("after four fast seconds more: %+v, want the p99 of a typical second", v)
	}
}

func TestOnlyTheReleasesFaultsCount(t *testing.T) {
	j := New("v2", Figures{}, Thresholds{MinRequests: 10})
	for range 10 {
		j.Observe("v2", time.Millisecond, report.ClientGone)
		j.Observe("v2", time.Millisecond, report.Refused)
	}
	if v := j.Verdict(); v.Regressed || v.New.Failed != 0 || v.New.Requests != 20 {
		t.Fatalf("clients that left and malformed requests held against the release: %+v", v)
	}
	j.Observe("v2", time.Millisecond, report.Timeout)
	j.Observe("v2", time.Millisecond, report.ProxyError)
	if f := j.Figures(); f.Failed != 2 || j.FirstFailure().IsZero() {
		t.Fatalf("a timeout and a cut-off answer: %d failed (first at %v), want 2", f.Failed, j.FirstFailure())
	}
}

func TestBaseline(t *testing.T) {
	s := report.Summary{Requests: 100, Failures: report.Failures{AppError: 1, ProxyError: 2, Timeout: 3, ClientGone: 4, Refused: 5}}
	for i, p99 := range []time.Duration{time.Second, 5 * time.Millisecond, 7 * time.Millisecond, 6 * time.Millisecond, 0} {
		s.Series = append(s.Series, report.Point{Requests: int64(20 - i*4), P99: p99})
	}
	if got := Baseline(s); got.Failed != 6 || got.Requests != 100 || got.P99 != 7*time.Millisecond {
		t.Fatalf("Baseline = %+v, want 6 failed of 100, p99 7ms (the median of its busy seconds: 1s, 5ms, 7ms)", got)
	}
	if s := (Figures{Requests: 1000, Failed: 3, P99: 12 * time.Millisecond}).String(); s != "1000 requests, 0.3% failed, p99 12ms" {
		t.Fatalf("String = %q", s)
	}
}

func BenchmarkObserve(b *testing.B) {
	j := New("v2", Figures{}, Thresholds{})
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			j.Observe("v2", time.Millisecond, report.OK)
		}
	})
}
