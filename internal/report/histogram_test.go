package report

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// maxRelErr is the promised relative error of a quantile: half a bucket of
// at most 1/subBuckets of its lower bound, plus rounding slack.
const maxRelErr = 0.02

func TestHistogramQuantiles(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	tests := []struct {
		name string
		gen  func(i int) time.Duration
	}{
		{"constant 3ms", func(int) time.Duration { return 3 * time.Millisecond }},
		{"uniform 1µs to 10ms", func(i int) time.Duration { return time.Duration(i%10000+1) * time.Microsecond }},
		{"lognormal around 2ms", func(int) time.Duration {
			return time.Duration(float64(2*time.Millisecond) * math.Exp(rng.NormFloat64()))
		}},
		{"bimodal 200µs and 1.5s", func(i int) time.Duration {
			if i%10 == 0 {
				return 1500*time.Millisecond + time.Duration(rng.IntN(1000))*time.Microsecond
			}
			return 200*time.Microsecond + time.Duration(rng.IntN(100))*time.Microsecond
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h Histogram
			values := make([]time.Duration, 20000)
			for i := range values {
				values[i] = tt.gen(i)
				h.Record(values[i])
			}
			slices.Sort(values)
			for _, q := range []float64{0.01, 0.5, 0.9, 0.99, 0.999, 1} {
				want := values[int(math.Ceil(q*float64(len(values))))-1]
				got := h.Quantile(q)
				if rel := math.Abs(float64(got-want)) / float64(want); rel > maxRelErr {
					t.Errorf("quantile %v: got %v, want %v within %.0f%% (off by %.2f%%)", q, got, want, 100*maxRelErr, 100*rel)
				}
			}
			if got, want := h.Max(), values[len(values)-1]; got != want {
				t.Errorf("max: got %v, want %v", got, want)
			}
			if got, want := h.Count(), int64(len(values)); got != want {
				t.Errorf("count: got %d, want %d", got, want)
			}
		})
	}
}

func TestHistogramBucketsCoverRange(t *testing.T) {
	prev := -1
	for v := MinLatency; v <= MaxLatency; v = v*101/100 + 1 {
		i := bucketOf(v)
		if i < prev {
			t.Fatalf("bucketOf(%v) = %d, below bucket %d of a smaller value", v, i, prev)
		}
		prev = i
		if rel := math.Abs(float64(midpoint(i)-v)) / float64(v); rel > maxRelErr {
			t.Fatalf("midpoint of bucket of %v: got %v, off by %.2f%%", v, midpoint(i), 100*rel)
		}
	}
	if got, want := bucketOf(MaxLatency), numBuckets-1; got > want {
		t.Errorf("bucketOf(MaxLatency): got %d, want at most %d", got, want)
	}
}

func TestHistogramEdges(t *testing.T) {
	t.Run("empty", func(t *testing.T) {
		var h Histogram
		if got := h.Quantile(0.5); got != 0 {
			t.Errorf("got %v, want 0", got)
		}
	})
	t.Run("below MinLatency", func(t *testing.T) {
		var h Histogram
		h.Record(10 * time.Nanosecond)
		h.Record(0)
		if got := h.Quantile(0.5); got != 10*time.Nanosecond {
			t.Errorf("got %v, want the exact max 10ns", got)
		}
	})
	t.Run("above MaxLatency", func(t *testing.T) {
		var h Histogram
		h.Record(5 * time.Minute)
		if got, want := h.Max(), 5*time.Minute; got != want {
			t.Errorf("max: got %v, want %v", got, want)
		}
		if got := h.Quantile(0.99); got < 59*time.Second || got > 5*time.Minute {
			t.Errorf("p99: got %v, want between 59s and 5m", got)
		}
	})
}

func TestHistogramMerge(t *testing.T) {
	var a, b, all Histogram
	for i := range 1000 {
		d := time.Duration(i+1) * 37 * time.Microsecond
		all.Record(d)
		if i%3 == 0 {
			a.Record(d)
		} else {
			b.Record(d)
		}
	}
	a.Merge(&b)
	if a != all {
		t.Errorf("merged histogram differs from one fed every value: count %d max %v, want count %d max %v",
			a.Count(), a.Max(), all.Count(), all.Max())
	}
}
