package report

import (
	"sync"
	"testing"
	"time"
)

func TestTimelinePoints(t *testing.T) {
	start := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	tl := NewTimeline(start, time.Second)
	// 10 requests of 2ms in the first point, 1 failure of 40ms in the fourth, none in between.
	for i := range 10 {
		tl.Observe(start.Add(time.Duration(i)*time.Millisecond), 2*time.Millisecond, OK)
	}
	tl.Observe(start.Add(350*time.Millisecond), 40*time.Millisecond, AppError)
	tl.Observe(start.Add(-time.Millisecond), time.Millisecond, OK) // before the start: left out
	tl.Observe(start.Add(time.Second), time.Millisecond, OK)       // past the span: left out

	f := tl.Fine(start.Add(450 * time.Millisecond))
	if f == nil {
		t.Fatal("got no points within the span")
	}
	// 450 ms make 4 whole points: the last half point is left out.
	if len(f.Requests) != 4 || f.Step != FineStep || !f.From.Equal(start) {
		t.Fatalf("got %d points of %s from %s, want 4 of %s from %s", len(f.Requests), f.Step, f.From, FineStep, start)
	}
	wantReq, wantFailed := []int64{10, 0, 0, 1}, []int64{0, 0, 0, 1}
	for i := range wantReq {
		if f.Requests[i] != wantReq[i] || f.Failed[i] != wantFailed[i] {
			t.Errorf("point %d: got %d requests, %d failed; want %d, %d", i, f.Requests[i], f.Failed[i], wantReq[i], wantFailed[i])
		}
	}
	for _, c := range []struct {
		name string
		got  time.Duration
		want time.Duration
	}{{"p50 of point 0", f.P50[0], 2 * time.Millisecond}, {"p99 of point 3", f.P99[3], 40 * time.Millisecond}} {
		if c.got > c.want || float64(c.got) < 0.85*float64(c.want) {
			t.Errorf("%s: got %s, want within 15%% below %s (never above the maximum)", c.name, c.got, c.want)
		}
	}
	pts := f.Points()
	if len(pts) != 4 || !pts[3].Time.Equal(start.Add(300*time.Millisecond)) || pts[3].Failed != 1 {
		t.Errorf("got points %+v, want 4 with the failure at +300ms", pts)
	}
	if f := tl.Fine(start.Add(2 * time.Second)); f != nil {
		t.Errorf("got %d points for a window past the span, want none", len(f.Requests))
	}
}

func TestTimelineQuantileSpread(t *testing.T) {
	start := time.Now()
	tl := NewTimeline(start, 0)
	// 99 fast requests and one slow one in one point: p50 is fast, p99 fast too (the 99th of 100), the max slow.
	for i := range 100 {
		d := time.Millisecond
		if i == 99 {
			d = time.Second
		}
		tl.Observe(start, d, OK)
	}
	f := tl.Fine(start.Add(FineStep))
	if p50 := f.P50[0]; p50 > time.Millisecond || p50 < 850*time.Microsecond {
		t.Errorf("got p50 %s, want about 1ms", p50)
	}
	if p99 := f.P99[0]; p99 > 1200*time.Microsecond {
		t.Errorf("got p99 %s, want about 1ms (99 of 100 took 1ms)", p99)
	}
}

func TestTimelineConcurrent(t *testing.T) {
	start := time.Now()
	tl := NewTimeline(start, 0)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for i := range 1000 {
				tl.Observe(start.Add(time.Duration(i)*time.Millisecond), time.Millisecond, OK)
			}
		})
	}
	wg.Wait()
	f := tl.Fine(start.Add(time.Second))
	var n int64
	for _, r := range f.Requests {
		n += r
	}
	if n != 4000 || len(f.Requests) != 10 {
		t.Errorf("got %d requests in %d points, want 4000 in 10", n, len(f.Requests))
	}
}

func BenchmarkTimelineObserve(b *testing.B) {
	tl := NewTimeline(time.Now(), 0)
	at := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		tl.Observe(at, time.Millisecond, OK)
	}
}
