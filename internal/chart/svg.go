package chart

import (
	"bufio"
	"fmt"
	"html"
	"io"
	"strconv"
)

// Write writes c as a standalone SVG document.
func (c Chart) Write(w io.Writer) error {
	b := bufio.NewWriter(w)
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="100%%" role="img" class="chart">`, Width, Height)
	fmt.Fprintf(b, `<title>%s</title><rect width="%d" height="%d" fill="%s"/>`, html.EscapeString(c.Title), Width, Height, paintBackground)
	c.draw(svgCanvas{b})
	b.WriteString("</svg>\n")
	if err := b.Flush(); err != nil {
		return fmt.Errorf("write chart: %w", err)
	}
	return nil
}

// svgCanvas writes each shape as one SVG element. Bars, lines and marks are written to a tenth of
// a unit; the axis and the text at fixed places are written as they are, most often whole numbers.
type svgCanvas struct{ b *bufio.Writer }

func (s svgCanvas) line(from, to point, stroke paint) {
	fmt.Fprintf(s.b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s"/>`, num(from.x), num(from.y), num(to.x), num(to.y), stroke)
}

func (s svgCanvas) rect(class string, x, y, w, h float64, fill paint) {
	fmt.Fprintf(s.b, `<rect class="%s" x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>`, class, x, y, w, h, fill)
}

func (s svgCanvas) polyline(class string, stroke paint, width float64, pts []point) {
	fmt.Fprintf(s.b, `<polyline class="%s" fill="none" stroke="%s" stroke-width="%s" points="`, class, stroke, num(width))
	for _, p := range pts {
		fmt.Fprintf(s.b, "%.1f,%.1f ", p.x, p.y)
	}
	s.b.WriteString(`"/>`)
}

func (s svgCanvas) mark(x, top, bottom float64, l label) {
	fmt.Fprintf(s.b, `<g class="mark"><line x1="%.1f" y1="%s" x2="%.1f" y2="%s" stroke="%s" stroke-dasharray="3 3"/>`, x, num(top), x, num(bottom), paintMark)
	fmt.Fprintf(s.b, `<text x="%.1f" y="%.1f" font-size="%s" font-family="sans-serif">`, l.x, l.y, num(l.size))
	s.spans(l.spans)
	s.b.WriteString("</text></g>")
}

func (s svgCanvas) text(l label) {
	fmt.Fprintf(s.b, `<text x="%s" y="%s" font-size="%s" font-family="sans-serif"`, num(l.x), num(l.y), num(l.size))
	if l.end {
		s.b.WriteString(` text-anchor="end"`)
	}
	s.b.WriteString(">")
	s.spans(l.spans)
	s.b.WriteString("</text>")
}

func (s svgCanvas) spans(spans []span) {
	for _, sp := range spans {
		if sp.fill == "" {
			s.b.WriteString(html.EscapeString(sp.text))
		} else {
			fmt.Fprintf(s.b, `<tspan fill="%s">%s</tspan>`, sp.fill, html.EscapeString(sp.text))
		}
	}
}

// num writes v as short as it reads exactly: 36, 1.5.
func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
