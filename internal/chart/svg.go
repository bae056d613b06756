package chart

import (
	"bufio"
	"fmt"
	"html"
	"io"
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

// Chart is what Write draws: points of Step and marks on one time axis from From to To.
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
var Marked = map[string]bool{"switch": true, "drain old": true, "stop old": true}

// ForRelease is the chart of rel's deploy window: its report's points of 100 ms (or of a second,
// for a deploy recorded without them) with a mark at the start of each Marked step. A release
// without a report gives a chart with no points.
func ForRelease(rel *release.Release) Chart {
	c := Chart{Title: "deploy of " + rel.ID}
	if rep := rel.Report; rep != nil {
		c.From, c.To, c.Points = rep.From, rep.To, rep.Series
		if rep.Fine != nil && rep.Fine.Step > 0 {
			c.Points, c.Step = rep.Fine.Points(), rep.Fine.Step
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

// Write writes c as a standalone SVG document.
func (c Chart) Write(w io.Writer) error {
	b := bufio.NewWriter(w)
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="100%%" role="img" class="chart">`, Width, Height)
	fmt.Fprintf(b, `<title>%s</title><rect width="%d" height="%d" fill="#fff"/>`, html.EscapeString(c.Title), Width, Height)
	c.draw(b)
	b.WriteString("</svg>\n")
	if err := b.Flush(); err != nil {
		return fmt.Errorf("write chart: %w", err)
	}
	return nil
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
	// Each point stands for a whole second: the axis covers the seconds of the first and last.
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

func (c Chart) draw(b *bufio.Writer) {
	s := c.scale()
	fmt.Fprintf(b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#999"/>`, pad, Height-pad, Width-pad, Height-pad)
	barW := max(1, float64(Width-2*pad)*float64(c.step())/float64(s.span)-1)
	for _, p := range c.Points {
		x := s.x(p.Time)
		fmt.Fprintf(b, `<rect class="req" x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="#8ab4f8"/>`, x, s.yReq(p.Requests), barW, float64(Height-pad)-s.yReq(p.Requests))
		if p.Failed > 0 {
			fmt.Fprintf(b, `<rect class="failed" x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="#d93025"/>`, x, s.yReq(p.Failed), barW, float64(Height-pad)-s.yReq(p.Failed))
		}
	}
	c.line(b, s, "p50", "#188038", func(p report.Point) time.Duration { return p.P50 })
	c.line(b, s, "p99", "#e37400", func(p report.Point) time.Duration { return p.P99 })
	for i, m := range c.Marks {
		x := s.x(m.Time)
		y := pad - 4 + float64(i%3)*10
		fmt.Fprintf(b, `<g class="mark"><line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#5f6368" stroke-dasharray="3 3"/>`, x, pad, x, Height-pad)
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f" font-size="10" font-family="sans-serif">%s</text></g>`, x+2, y, html.EscapeString(m.Label))
	}
	fmt.Fprintf(b, `<text x="%d" y="14" font-size="11" font-family="sans-serif">%s — peak %.0f req/s, p99 up to %s</text>`,
		pad, html.EscapeString(c.Title), s.peakReq, report.FormatDuration(time.Duration(s.peakLat)))
	fmt.Fprintf(b, `<text x="%d" y="%d" font-size="10" font-family="sans-serif">%s</text>`, pad, Height-pad+14, c.From.UTC().Format(time.TimeOnly))
	fmt.Fprintf(b, `<text x="%d" y="%d" font-size="10" font-family="sans-serif" text-anchor="end">%s</text>`, Width-pad, Height-pad+14, c.To.UTC().Format(time.TimeOnly))
	fmt.Fprintf(b, `<text x="%d" y="%d" font-size="10" font-family="sans-serif"><tspan fill="#8ab4f8">■ req/s</tspan> <tspan fill="#d93025">■ failed</tspan> <tspan fill="#188038">— p50</tspan> <tspan fill="#e37400">— p99</tspan></text>`, pad, Height-8)
}

func (c Chart) step() time.Duration {
	if c.Step <= 0 {
		return time.Second
	}
	return c.Step
}

// line draws one latency quantile as a polyline over the seconds that had requests.
func (c Chart) line(b *bufio.Writer, s scale, class, color string, v func(report.Point) time.Duration) {
	fmt.Fprintf(b, `<polyline class="%s" fill="none" stroke="%s" stroke-width="1.5" points="`, class, color)
	for _, p := range c.Points {
		if p.Requests > 0 {
			fmt.Fprintf(b, "%.1f,%.1f ", s.x(p.Time), s.yLat(v(p)))
		}
	}
	b.WriteString(`"/>`)
}
