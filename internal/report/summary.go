package report

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"strings"
	"time"
)

// barWidth is the width, in characters, of the longest request bar Format
// draws.
const barWidth = 30

// Point holds the figures of one second.
type Point struct {
	Time     time.Time     `json:"time"`
	Requests int64         `json:"requests"`
	Failed   int64         `json:"failed"`
	P50      time.Duration `json:"p50_ns"`
	P99      time.Duration `json:"p99_ns"`
}

// Summary holds the figures of a window: totals, latency quantiles over the
// whole window and one Point per second. Durations encode to JSON as
// nanoseconds.
type Summary struct {
	From     time.Time     `json:"from"`
	To       time.Time     `json:"to"`
	Requests int64         `json:"requests"`
	Failed   int64         `json:"failed"`
	Failures Failures      `json:"failures"` // Failed by outcome
	P50      time.Duration `json:"p50_ns"`
	P99      time.Duration `json:"p99_ns"`
	Max      time.Duration `json:"max_ns"`
	Series   []Point       `json:"series"`
	// Fine is the window in points of FineStep, when a Timeline kept it (a deploy's window).
	Fine *Fine `json:"fine,omitempty"`
}

// Format writes s as a compact table for a terminal: a totals line, then one
// row per second with its offset from the first second, requests, failures,
// p50, p99 and a bar of requests per second in which failures show as 'x'.
func (s Summary) Format(w io.Writer) error {
	var b bytes.Buffer
	failed := percent(s.Failed, s.Requests)
	if by := s.Failures.String(); by != "" {
		failed += ": " + by
	}
	fmt.Fprintf(&b, "%s to %s (%s): %d requests, %d failed (%s), p50 %s, p99 %s, max %s\n",
		s.From.Format(time.TimeOnly), s.To.Format(time.TimeOnly), FormatDuration(s.To.Sub(s.From)),
		s.Requests, s.Failed, failed,
		FormatDuration(s.P50), FormatDuration(s.P99), FormatDuration(s.Max))
	if len(s.Series) == 0 {
		return write(w, b.Bytes())
	}
	fmt.Fprintf(&b, "%6s %7s %6s %8s %8s\n", "second", "req", "failed", "p50", "p99")
	var peak int64
	for _, p := range s.Series {
		peak = max(peak, p.Requests)
	}
	first := s.Series[0].Time
	for _, p := range s.Series {
		offset := "+" + p.Time.Sub(first).String()
		p50, p99 := "-", "-"
		if p.Requests > 0 {
			p50, p99 = FormatDuration(p.P50), FormatDuration(p.P99)
		}
		row := fmt.Sprintf("%6s %7d %6d %8s %8s  %s", offset, p.Requests, p.Failed, p50, p99, bar(p, peak))
		b.WriteString(strings.TrimRight(row, " ") + "\n")
	}
	return write(w, b.Bytes())
}

func write(w io.Writer, p []byte) error {
	if _, err := w.Write(p); err != nil {
		return fmt.Errorf("write summary: %w", err)
	}
	return nil
}

// bar draws p's requests scaled so that peak fills barWidth; any second
// with requests, or with failures, gets at least one character of each.
func bar(p Point, peak int64) string {
	scale := func(n int64) int {
		if n <= 0 || peak <= 0 {
			return 0
		}
		return max(1, int((n*barWidth+peak/2)/peak))
	}
	total := scale(p.Requests)
	failed := min(scale(p.Failed), total)
	return strings.Repeat("#", total-failed) + strings.Repeat("x", failed)
}

func percent(part, whole int64) string {
	if whole == 0 {
		return "0%"
	}
	return fmt.Sprintf("%.2f%%", 100*float64(part)/float64(whole))
}

// FormatDuration writes d with at most three significant digits, such as
// "1.23ms" or "450µs", which is as much precision as latency figures carry.
func FormatDuration(d time.Duration) string {
	if d < 0 {
		if d == math.MinInt64 {
			d++ // whose negation is itself
		}
		return "-" + FormatDuration(-d)
	}
	unit := time.Duration(1)
	for d/unit >= 1000 {
		unit *= 10
	}
	return d.Round(unit).String()
}
