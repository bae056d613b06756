package chart

import (
	"bytes"
	"encoding/xml"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/cutover-dev/cutover/internal/release"
	"github.com/cutover-dev/cutover/internal/report"
)

func TestWrite(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	rel := &release.Release{ID: "v2", Steps: []release.Step{
		{Name: "boot new", Start: t0, Duration: time.Second},
		{Name: "switch", Start: t0.Add(time.Second), Duration: time.Millisecond},
		{Name: "drain old", Start: t0.Add(2 * time.Second), Duration: time.Second},
	}, Report: &report.Summary{From: t0, To: t0.Add(3 * time.Second), Series: []report.Point{
		{Time: t0, Requests: 10, P50: time.Millisecond, P99: 3 * time.Millisecond},
		{Time: t0.Add(time.Second), Requests: 12, Failed: 2, P50: time.Millisecond, P99: 9 * time.Millisecond},
	}}}
	tests := []struct {
		name string
		rel  *release.Release
		want []string
	}{
		{"with report", rel, []string{`class="req"`, `class="failed"`, `class="p99"`, ">switch<", ">drain old<", "deploy of v2"}},
		{"no report", &release.Release{ID: "v1"}, []string{"deploy of v1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := ForRelease(tt.rel).Write(&b); err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(b.String(), w) {
					t.Errorf("got no %s in\n%s", w, b.String())
				}
			}
			dec := xml.NewDecoder(&b)
			for {
				if _, err := dec.Token(); err == io.EOF {
					break
				} else if err != nil {
					t.Fatalf("got invalid XML: %v", err)
				}
			}
		})
	}
}
