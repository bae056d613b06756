package control

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/cutover-dev/cutover/internal/report"
)

func TestFigures(t *testing.T) {
	from := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name string
		sum  report.Summary
		want string
	}{
		{"none yet", report.Summary{From: from}, "0 requests · 0 failed · p50 0s · p99 0s"},
		{"under load", report.Summary{From: from, Requests: 1234, Failed: 2, P50: 1234 * time.Microsecond, P99: 4567 * time.Microsecond,
			Series: []report.Point{{Requests: 1234}}}, "1234 requests · 2 failed · p50 1.23ms · p99 4.57ms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := FiguresOf(tt.sum)
			if got := f.String(); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			if !f.Since.Equal(from) {
				t.Errorf("got since %v, want %v", f.Since, from)
			}
			b, err := json.Marshal(Status{Figures: f})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(b), `"deploy_figures":{`) || strings.Contains(string(b), "series") {
				t.Errorf("got %s, want deploy_figures without a series", b)
			}
		})
	}
}
