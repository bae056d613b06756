package chart

import (
	"fmt"
	"time"

	"github.com/cutover-dev/cutover/internal/release"
	"github.com/cutover-dev/cutover/internal/report"
)

// The size of the drawing, in SVG user units; the image scales to its container.
const (
	Width  = 800
	Height = 240
	pad    = 36 // room for the axis labels
)

// Mark is a labelled instant on the time axis: a deploy, a step.
type Mark struct {
	Time  time.Time
	Label string
}

// Chart is what Write and WritePNG draw: points of Step, their requests and failures as rates per
// second, and marks on one time axis from From to To.
type Chart struct {
	// Step is the time each point stands for; zero means a second.
	Step   time.Duration
	Title  string
	From   time.Time
	To     time.Time
	Points []report.Point
	Marks  []Mark
}

// Marked are the steps ForRelease marks: where traffic moves and the old release goes. The other
// steps are on the release page's timeline; marked here they would crowd the labels.
var Marked = map[string]bool{"switch": true, "drain": true, "stop old": true}

// perSecond turns points that count the requests of step each into rates per second.
func perSecond(pts []report.Point, step time.Duration) []report.Point {
	k := int64(time.Second / step)
	if k < 1 || time.Duration(k)*step != time.Second {
		return pts // not a step that divides a second: left as counted
	}
	for i := range pts {
		pts[i].Requests *= k
		pts[i].Failed *= k
	}
	return pts
}

// ForRelease is the chart of rel's deploy window: its report's points of 100 ms (or of a second,
// for a deploy recorded without them) with a mark at the start of each Marked step. A release
// without a report gives a chart with no points.
func ForRelease(rel *release.Release) Chart {
	c := Chart{Title: "deploy of " + rel.ID}
	if rep := rel.Report; rep != nil {
		c.From, c.To, c.Points = rep.From, rep.To, rep.Series
		if rep.Fine != nil && rep.Fine.Step > 0 {
			c.Points, c.Step = perSecond(rep.Fine.Points(), rep.Fine.Step), rep.Fine.Step
		}
	}
	for _, s := range rel.Steps {
		if Marked[s.Name] {
			c.Marks = append(c.Marks, Mark{Time: s.Start, Label: s.Name})
		}
	}
	if c.From.IsZero() && len(rel.Steps) > 0 {
		c.From = rel.Steps[0].Start
		last := rel.Steps[len(rel.Steps)-1]
		c.To = last.Start.Add(last.Duration)
	}
	return c
}

// scale maps times and values into the plot area.
type scale struct {
	from             time.Time
	span             time.Duration
	peakReq, peakLat float64
}

func (s scale) x(t time.Time) float64 {
	if s.span <= 0 {
		return pad
	}
	return pad + float64(t.Sub(s.from))/float64(s.span)*(Width-2*pad)
}

func (s scale) yReq(n int64) float64 { return Height - pad - float64(n)/s.peakReq*(Height-2*pad) }

func (s scale) yLat(d time.Duration) float64 {
	return Height - pad - float64(d)/s.peakLat*(Height-2*pad)
}

func (c Chart) scale() scale {
	from, to := c.From, c.To
	step := c.step()
	// Each point stands for a whole Step: the axis covers the steps of the first and last.
	if n := len(c.Points); n > 0 {
		if first := c.Points[0].Time; from.IsZero() || first.Before(from) {
			from = first
		}
		if last := c.Points[n-1].Time.Add(step); last.After(to) {
			to = last
		}
	}
	s := scale{from: from, span: to.Sub(from), peakReq: 1, peakLat: float64(time.Millisecond)}
	if s.span < time.Second {
		s.span = time.Second
	}
	for _, p := range c.Points {
		s.peakReq = max(s.peakReq, float64(p.Requests))
		s.peakLat = max(s.peakLat, float64(p.P99))
	}
	return s
}

// legend names the bars and lines in their colours.
var legend = []span{{"■ req/s", paintReq}, {" ", ""}, {"■ failed", paintFailed}, {" ", ""},
	{"— p50", paintP50}, {" ", ""}, {"— p99", paintP99}}

// draw lays c out once and paints it on cv, back to front: axis, bars, latency lines, marks, text.
func (c Chart) draw(cv canvas) {
	s := c.scale()
	const base = Height - pad
	cv.line(point{pad, base}, point{Width - pad, base}, paintAxis)
	barW := max(1, float64(Width-2*pad)*float64(c.step())/float64(s.span)-1)
	for _, p := range c.Points {
		x := s.x(p.Time)
		cv.rect("req", x, s.yReq(p.Requests), barW, base-s.yReq(p.Requests), paintReq)
		if p.Failed > 0 {
			cv.rect("failed", x, s.yReq(p.Failed), barW, base-s.yReq(p.Failed), paintFailed)
		}
	}
	cv.polyline("p50", paintP50, 1.5, c.line(s, func(p report.Point) time.Duration { return p.P50 }))
	cv.polyline("p99", paintP99, 1.5, c.line(s, func(p report.Point) time.Duration { return p.P99 }))
	for i, m := range c.Marks {
		x := s.x(m.Time)
		// Three rows of labels, so marks close together do not print over each other.
		y := pad - 4 + float64(i%3)*10
		cv.mark(x, pad, base, label{x: x + 2, y: y, size: 10, spans: []span{{text: m.Label}}})
	}
	peakLat := time.Duration(min(s.peakLat, 1<<62)) // a float of MaxInt64 would overflow back
	title := fmt.Sprintf("%s — peak %.0f req/s, p99 up to %s", c.Title, s.peakReq, report.FormatDuration(peakLat))
	cv.text(label{x: pad, y: 14, size: 11, spans: []span{{text: title}}})
	cv.text(label{x: pad, y: base + 14, size: 10, spans: []span{{text: c.From.UTC().Format(time.TimeOnly)}}})
	cv.text(label{x: Width - pad, y: base + 14, size: 10, end: true, spans: []span{{text: c.To.UTC().Format(time.TimeOnly)}}})
	cv.text(label{x: pad, y: Height - 8, size: 10, spans: legend})
}

func (c Chart) step() time.Duration {
	if c.Step <= 0 {
		return time.Second
	}
	return c.Step
}

// line is one latency quantile's points over the seconds that had requests.
func (c Chart) line(s scale, v func(report.Point) time.Duration) []point {
	var pts []point
	for _, p := range c.Points {
		if p.Requests > 0 {
			pts = append(pts, point{s.x(p.Time), s.yLat(v(p))})
		}
	}
	return pts
}
