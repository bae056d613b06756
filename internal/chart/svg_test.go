package chart

import (
	"bytes"
	"encoding/xml"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
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
		{Name: "drain", Start: t0.Add(2 * time.Second), Duration: time.Second},
	}, Report: &report.Summary{From: t0, To: t0.Add(3 * time.Second), Series: []report.Point{
		{Time: t0, Requests: 10, P50: time.Millisecond, P99: 3 * time.Millisecond},
		{Time: t0.Add(time.Second), Requests: 12, Failed: 2, P50: time.Millisecond, P99: 9 * time.Millisecond},
	}}}
	tests := []struct {
		name string
		rel  *release.Release
		want []string
	}{
		{"with report", rel, []string{`class="req"`, `class="failed"`, `class="p99"`, ">switch<", ">drain<", "deploy of v2"}},
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

var update = flag.Bool("update", false, "rewrite testdata/*.svg from the current drawing")

// charts are the drawings the golden and PNG tests share: a deploy with a failed second, a release
// without a report, and an hour chart with crowded marks and a title to escape.
func charts() map[string]Chart {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	deploy := ForRelease(&release.Release{ID: "v2", Steps: []release.Step{
		{Name: "boot new", Start: t0, Duration: time.Second},
		{Name: "switch", Start: t0.Add(time.Second), Duration: time.Millisecond},
		{Name: "drain", Start: t0.Add(2 * time.Second), Duration: time.Second},
		{Name: "stop old", Start: t0.Add(3 * time.Second), Duration: time.Second},
	}, Report: &report.Summary{From: t0, To: t0.Add(4 * time.Second), Series: []report.Point{
		{Time: t0, Requests: 10, P50: time.Millisecond, P99: 3 * time.Millisecond},
		{Time: t0.Add(time.Second), Requests: 12, Failed: 2, P50: time.Millisecond, P99: 9 * time.Millisecond},
		{Time: t0.Add(2 * time.Second), Requests: 0},
		{Time: t0.Add(3 * time.Second), Requests: 8, P50: 2 * time.Millisecond, P99: 4 * time.Millisecond},
	}}})
	hour := Chart{Title: "a <b> & c, last hour", Step: 10 * time.Second, From: t0, To: t0.Add(time.Hour)}
	for i := range 5 {
		at := t0.Add(time.Duration(i) * 12 * time.Minute)
		hour.Points = append(hour.Points, report.Point{Time: at, Requests: int64(100 * (i + 1)), Failed: int64(i), P50: time.Duration(i+1) * time.Millisecond, P99: time.Duration(i+1) * 7 * time.Millisecond})
		hour.Marks = append(hour.Marks, Mark{Time: at.Add(time.Minute), Label: fmt.Sprintf("v%d", i+1)})
	}
	return map[string]Chart{"deploy": deploy, "empty": ForRelease(&release.Release{ID: "v1"}), "hour": hour}
}

// TestWriteGolden pins the SVG byte for byte: the dashboard and its browser test read its classes.
func TestWriteGolden(t *testing.T) {
	for name, c := range charts() {
		t.Run(name, func(t *testing.T) {
			var b bytes.Buffer
			if err := c.Write(&b); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", name+".svg")
			if *update {
				if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run the test with -update to write it)", err)
			}
			if got := b.String(); got != string(want) {
				t.Errorf("got\n%s\nwant\n%s", got, want)
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
	if c.Step != report.FineStep || len(c.Points) != 3 || !c.Points[2].Time.Equal(t0.Add(200*time.Millisecond)) || c.Points[2].Failed != 50 || c.Points[2].Requests != 200 {
		t.Fatalf("got step %s and points %+v, want the 3 points of 100ms, as rates per second", c.Step, c.Points)
	}
	var b bytes.Buffer
	if err := c.Write(&b); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(b.String(), `class="req"`); n != 3 {
		t.Errorf("got %d request bars, want 3", n)
	}
}
