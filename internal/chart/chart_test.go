package chart

import (
	"testing"
)

// recorder is a canvas that keeps what it was asked to paint, to check the layout itself.
type recorder struct {
	rects  map[string][][4]float64
	lines  map[string][]point
	marks  []float64
	labels []label
}

func (r *recorder) line(from, to point, stroke paint) {}

func (r *recorder) rect(class string, x, y, w, h float64, fill paint) {
	r.rects[class] = append(r.rects[class], [4]float64{x, y, w, h})
}

func (r *recorder) polyline(class string, stroke paint, width float64, pts []point) {
	r.lines[class] = pts
}

func (r *recorder) mark(x, top, bottom float64, l label) {
	r.marks = append(r.marks, x)
	r.labels = append(r.labels, l)
}

func (r *recorder) text(l label) { r.labels = append(r.labels, l) }

func TestDrawLayout(t *testing.T) {
	r := &recorder{rects: map[string][][4]float64{}, lines: map[string][]point{}}
	charts()["deploy"].draw(r)

	// Four seconds over the 728 units between the pads: a second is 182 units, a bar one less.
	wantReq := [][4]float64{{36, 64, 181, 140}, {218, 36, 181, 168}, {400, 204, 181, 0}, {582, 92, 181, 112}}
	if got := r.rects["req"]; len(got) != len(wantReq) {
		t.Fatalf("got %d req bars, want %d", len(got), len(wantReq))
	}
	for i, want := range wantReq {
		if got := r.rects["req"][i]; !near(got[:], want[:]) {
			t.Errorf("req bar %d: got %v, want %v", i, got, want)
		}
	}
	if got, want := r.rects["failed"], [][4]float64{{218, 176, 181, 28}}; len(got) != 1 || !near(got[0][:], want[0][:]) {
		t.Errorf("got failed bars %v, want %v", got, want)
	}
	// The second without requests has no latency: the lines skip it.
	if got := r.lines["p99"]; len(got) != 3 || got[1] != (point{218, 36}) || got[2].x != 582 {
		t.Errorf("got p99 line %v, want 3 points, the peak at (218, 36), the last at x 582", got)
	}
	if got, want := r.marks, []float64{218, 400, 582}; !near(got, want) {
		t.Errorf("got marks at %v, want %v", got, want)
	}
	// Labels of marks in three rows, then the title, the times and the legend.
	wantY := []float64{32, 42, 52, 14, 218, 218, 232}
	if len(r.labels) != len(wantY) {
		t.Fatalf("got %d labels, want %d", len(r.labels), len(wantY))
	}
	for i, y := range wantY {
		if r.labels[i].y != y {
			t.Errorf("label %d %q: got y %v, want %v", i, r.labels[i].spans, r.labels[i].y, y)
		}
	}
	if to := r.labels[5]; !to.end || to.x != Width-pad || to.spans[0].text != "03:04:09" {
		t.Errorf("got the end time %+v, want 03:04:09 ending at x %d", to, Width-pad)
	}
}

func TestDrawEmpty(t *testing.T) {
	r := &recorder{rects: map[string][][4]float64{}, lines: map[string][]point{}}
	charts()["empty"].draw(r)
	if len(r.rects) != 0 || len(r.lines["p50"]) != 0 || len(r.marks) != 0 {
		t.Errorf("got %v, %v, %v, want no bars, lines or marks", r.rects, r.lines, r.marks)
	}
	if len(r.labels) != 4 {
		t.Errorf("got %d labels, want the title, two times and the legend", len(r.labels))
	}
}

func near(got, want []float64) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if d := got[i] - want[i]; d < -0.01 || d > 0.01 {
			return false
		}
	}
	return true
}
