package report

import (
	"sync"
	"testing"
	"time"
)

var base = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func at(offset time.Duration) time.Time { return base.Add(offset) }

// failIf returns o when failed is set, OK otherwise.
func failIf(failed bool, o Outcome) Outcome {
	if failed {
		return o
	}
	return OK
}

func TestRecorderWindow(t *testing.T) {
	r := NewRecorder(time.Minute)
	for _, off := range []time.Duration{200 * time.Millisecond, 1500 * time.Millisecond, 2900 * time.Millisecond, 3 * time.Second} {
		r.Observe(at(off), time.Millisecond, OK)
	}
	tests := []struct {
		name         string
		from, to     time.Duration
		wantRequests int64
		wantSeconds  int
	}{
		{"whole seconds", 1 * time.Second, 3 * time.Second, 2, 2},
		{"from inside a second widens to its start", 500 * time.Millisecond, 3 * time.Second, 3, 3},
		{"to inside a second widens to its end", 1 * time.Second, 3100 * time.Millisecond, 3, 3},
		{"everything", 0, 10 * time.Second, 4, 10},
		{"empty window", 5 * time.Second, 5 * time.Second, 0, 0},
		{"quiet seconds", 5 * time.Second, 8 * time.Second, 0, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := r.Summary(at(tt.from), at(tt.to))
			if s.Requests != tt.wantRequests {
				t.Errorf("requests: got %d, want %d", s.Requests, tt.wantRequests)
			}
			if len(s.Series) != tt.wantSeconds {
				t.Fatalf("points: got %d, want %d", len(s.Series), tt.wantSeconds)
			}
			var sum int64
			for i, p := range s.Series {
				sum += p.Requests
				if want := at(tt.from).Truncate(time.Second).Add(time.Duration(i) * time.Second); !p.Time.Equal(want) {
					t.Errorf("point %d time: got %v, want %v", i, p.Time, want)
				}
			}
			if sum != s.Requests {
				t.Errorf("series sum: got %d, want the total %d", sum, s.Requests)
			}
		})
	}
}

func TestRecorderFigures(t *testing.T) {
	r := NewRecorder(time.Minute)
	outcomes := []Outcome{AppError, ProxyError, Timeout, ClientGone}
	for i := range 100 {
		sec := time.Duration(i%2) * time.Second
		d := time.Duration(i+1) * time.Millisecond
		r.Observe(at(sec+time.Duration(i)*time.Millisecond), d, failIf(i%20 < 2, outcomes[i/20%len(outcomes)]))
	}
	s := r.Summary(at(0), at(2*time.Second))
	if s.Requests != 100 || s.Failed != 10 {
		t.Errorf("totals: got %d requests %d failed, want 100 and 10", s.Requests, s.Failed)
	}
	// i/20 is 0..4: AppError twice (i in 0-1 and 80-81), the others once, two requests each.
	if want := (Failures{AppError: 4, ProxyError: 2, Timeout: 2, ClientGone: 2}); s.Failures != want {
		t.Errorf("failures: got %+v, want %+v", s.Failures, want)
	}
	within := func(got, want time.Duration) bool {
		return got >= want*98/100 && got <= want*102/100
	}
	if !within(s.P50, 50*time.Millisecond) || !within(s.P99, 99*time.Millisecond) {
		t.Errorf("quantiles: got p50 %v p99 %v, want about 50ms and 99ms", s.P50, s.P99)
	}
	if s.Max != 100*time.Millisecond {
		t.Errorf("max: got %v, want 100ms", s.Max)
	}
	for i, p := range s.Series {
		if p.Requests != 50 || p.Failed != 5 {
			t.Errorf("point %d: got %d requests %d failed, want 50 and 5", i, p.Requests, p.Failed)
		}
	}
}

func TestRecorderRetention(t *testing.T) {
	r := NewRecorder(3 * time.Second)
	for i := range 6 {
		r.Observe(at(time.Duration(i)*time.Second), time.Millisecond, OK)
	}
	// Second 1 is past retention now; it must not overwrite second 4, which shares its slot.
	r.Observe(at(1*time.Second), time.Millisecond, Timeout)

	s := r.Summary(at(0), at(6*time.Second))
	if s.Requests != 3 || s.Failed != 0 {
		t.Errorf("totals: got %d requests %d failed, want 3 and 0", s.Requests, s.Failed)
	}
	if len(s.Series) != 3 || !s.Series[0].Time.Equal(at(3*time.Second)) {
		t.Fatalf("series: got %+v, want seconds 3, 4 and 5", s.Series)
	}
	if got := r.Summary(at(0), at(3*time.Second)); got.Requests != 0 {
		t.Errorf("evicted window: got %d requests, want 0", got.Requests)
	}
}

func TestRecorderHugeWindowIsBounded(t *testing.T) {
	r := NewRecorder(10 * time.Second)
	r.Observe(at(0), time.Millisecond, OK)
	s := r.Summary(time.Time{}, at(time.Hour))
	if s.Requests != 1 {
		t.Errorf("requests: got %d, want 1", s.Requests)
	}
	if len(s.Series) > 10 {
		t.Errorf("points: got %d, want at most the 10 retained seconds", len(s.Series))
	}
}

func TestRecorderConcurrentObserve(t *testing.T) {
	r := NewRecorder(time.Minute)
	const workers, each = 8, 2000
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				r.Observe(at(time.Duration(i%5)*time.Second), time.Duration(w+1)*time.Millisecond, failIf(i%100 == 0, ProxyError))
			}
		})
	}
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-done:
				return
			default:
				r.Summary(at(0), at(5*time.Second))
			}
		}
	}()
	wg.Wait()
	close(done)
	s := r.Summary(at(0), at(5*time.Second))
	if got, want := s.Requests, int64(workers*each); got != want {
		t.Errorf("requests: got %d, want %d", got, want)
	}
	if got, want := s.Failed, int64(workers*each/100); got != want {
		t.Errorf("failed: got %d, want %d", got, want)
	}
}

func TestObserveDoesNotAllocate(t *testing.T) {
	r := NewRecorder(time.Minute)
	now := at(0)
	r.Observe(now, time.Millisecond, OK)
	allocs := testing.AllocsPerRun(1000, func() {
		r.Observe(now, 3*time.Millisecond, OK)
	})
	if allocs != 0 {
		t.Errorf("allocs per Observe: got %v, want 0", allocs)
	}
}

func BenchmarkObserve(b *testing.B) {
	r := NewRecorder(DefaultRetention)
	now := time.Now()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			r.Observe(now, time.Duration(i%5000)*time.Microsecond, OK)
			i++
		}
	})
}
