package report

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

func TestSummaryFormat(t *testing.T) {
	tests := []struct {
		name string
		sum  Summary
		want string
	}{
		{
			name: "with series",
			sum: Summary{
				From: at(0), To: at(3 * time.Second),
				Requests: 150, Failed: 3, Failures: Failures{AppError: 2, Timeout: 1},
				P50: 1234 * time.Microsecond, P99: 45678 * time.Microsecond, Max: 98 * time.Millisecond,
				Series: []Point{
					{Time: at(0), Requests: 100, P50: time.Millisecond, P99: 4 * time.Millisecond},
					{Time: at(time.Second), Requests: 50, Failed: 3, P50: 1500 * time.Microsecond, P99: 98 * time.Millisecond},
					{Time: at(2 * time.Second)},
				},
			},
			want: "" +
				"12:00:00 to 12:00:03 (3s): 150 requests, 3 failed (2.00%: 2 app 5xx, 1 timeout), p50 1.23ms, p99 45.7ms, max 98ms\n" +
				"second     req failed      p50      p99\n" +
				"   +0s     100      0      1ms      4ms  ##############################\n" +
				"   +1s      50      3    1.5ms     98ms  ##############x\n" +
				"   +2s       0      0        -        -\n",
		},
		{
			name: "empty",
			sum:  Summary{From: at(0), To: at(0)},
			want: "12:00:00 to 12:00:00 (0s): 0 requests, 0 failed (0%), p50 0s, p99 0s, max 0s\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			if err := tt.sum.Format(&b); err != nil {
				t.Fatalf("Format: %v", err)
			}
			if got := b.String(); got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestSummaryFormatWriteError(t *testing.T) {
	err := Summary{}.Format(failingWriter{})
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("got %v, want the writer's error wrapped", err)
	}
}

func TestSummaryJSON(t *testing.T) {
	s := Summary{From: at(0), To: at(time.Second), Requests: 2, P99: time.Millisecond,
		Series: []Point{{Time: at(0), Requests: 2, P50: time.Microsecond}}}
	raw, err := json.Marshal(s)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	for _, want := range []string{`"requests":2`, `"p99_ns":1000000`, `"max_ns":0`, `"series":[{"time":"2025-03-01T12:00:00Z"`, `"p50_ns":1000`} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("got %s, want it to contain %s", raw, want)
		}
	}
	var back Summary
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatalf("unmarshal: %v", err)
	}
	if back.P99 != s.P99 || len(back.Series) != 1 || !back.From.Equal(s.From) {
		t.Errorf("round trip: got %+v, want %+v", back, s)
	}
}

func TestFormatDuration(t *testing.T) {
	tests := []struct {
		in   time.Duration
		want string
	}{
		{0, "0s"},
		{999, "999ns"},
		{1234567, "1.23ms"},
		{450 * time.Microsecond, "450µs"},
		{12345 * time.Millisecond, "12.3s"},
		{-1500 * time.Microsecond, "-1.5ms"},
		{math.MinInt64, "-2561111h6m40s"}, // whose negation is itself: no endless recursion
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := FormatDuration(tt.in); got != tt.want {
				t.Errorf("FormatDuration(%d): got %q, want %q", int64(tt.in), got, tt.want)
			}
		})
	}
}
