package control

import (
	"fmt"
	"time"

	"github.com/cutover-dev/cutover/internal/report"
)

// Figures are the app's request figures since a deploy under way began (the start of its first
// step): what `cutover status` and the dashboard show beside its steps.
type Figures struct {
	Since    time.Time     `json:"since"`
	Requests int64         `json:"requests"`
	Failed   int64         `json:"failed"`
	P50      time.Duration `json:"p50_ns"`
	P99      time.Duration `json:"p99_ns"`
}

// FiguresOf keeps of s the totals a deploy under way shows, without its per-second series.
func FiguresOf(s report.Summary) *Figures {
	return &Figures{Since: s.From, Requests: s.Requests, Failed: s.Failed, P50: s.P50, P99: s.P99}
}

// String is the figures on one line: "1234 requests · 0 failed · p50 1.2ms · p99 4.5ms".
func (f Figures) String() string {
	return fmt.Sprintf("%d requests · %d failed · p50 %s · p99 %s",
		f.Requests, f.Failed, report.FormatDuration(f.P50), report.FormatDuration(f.P99))
}
