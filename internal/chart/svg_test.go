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

func TestForReleaseFine(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	rel := &release.Release{ID: "v3", Report: &report.Summary{From: t0, To: t0.Add(time.Second),
		Series: []report.Point{{Time: t0, Requests: 30}},
		Fine: &report.Fine{From: t0, Step: report.FineStep, Requests: []int64{10, 0, 20}, Failed: []int64{0, 0, 5},
			P50: []time.Duration{time.Millisecond, 0, time.Millisecond}, P99: []time.Duration{2 * time.Millisecond, 0, 9 * time.Millisecond}}}}
	c := ForRelease(rel)
	if c.Step != report.FineStep || len(c.Points) != 3 || !c.Points[2].Time.Equal(t0.Add(200*time.Millisecond)) || c.Points[2].Failed != 5 {
		t.Fatalf("got step %s and points %+v, want the 3 points of 100ms", c.Step, c.Points)
	}
	var b bytes.Buffer
	if err := c.Write(&b); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(b.String(), `class="req"`); n != 3 {
		t.Errorf("got %d request bars, want 3", n)
	}
}
