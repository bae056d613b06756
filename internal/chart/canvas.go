package chart

import (
	"image/color"
	"strconv"
)

// paint is a colour as SVG writes it, #rgb or #rrggbb; the PNG backend reads the same string.
type paint string

// The chart's colours. Text without a paint of its own is black, SVG's default fill.
const (
	paintBackground paint = "#fff"
	paintAxis       paint = "#999"
	paintReq        paint = "#8ab4f8"
	paintFailed     paint = "#d93025"
	paintP50        paint = "#188038"
	paintP99        paint = "#e37400"
	paintMark       paint = "#5f6368"
	paintText       paint = "#000"
)

// rgba is p as an opaque colour; ok is false unless p is #rgb or #rrggbb.
func (p paint) rgba() (c color.RGBA, ok bool) {
	s := string(p)
	if len(s) == 4 { // #rgb stands for #rrggbb
		s = string([]byte{'#', s[1], s[1], s[2], s[2], s[3], s[3]})
	}
	if len(s) != 7 || s[0] != '#' {
		return color.RGBA{}, false
	}
	v, err := strconv.ParseUint(s[1:], 16, 32)
	if err != nil {
		return color.RGBA{}, false
	}
	return color.RGBA{R: uint8(v >> 16), G: uint8(v >> 8), B: uint8(v), A: 0xff}, true
}

// point is a position in chart units: x rightward from the left edge, y downward from the top.
type point struct{ x, y float64 }

// span is a run of text in one paint; an empty paint is the label's default, black.
type span struct {
	text string
	fill paint
}

// label is a line of text whose baseline starts at (x, y), or ends there when end is set.
type label struct {
	x, y  float64
	size  float64 // font size in chart units
	end   bool
	spans []span
}

// canvas is what Chart.draw paints on, in chart units (Width × Height). The layout is computed once,
// in draw; a canvas only renders it, as SVG elements (svgCanvas) or as pixels (pngCanvas). class
// names an element for the dashboard's stylesheet and tests; a raster canvas ignores it.
type canvas interface {
	// line is a solid line one unit wide.
	line(from, to point, stroke paint)
	// rect is a filled rectangle with its top left corner at (x, y).
	rect(class string, x, y, w, h float64, fill paint)
	// polyline strokes the lines through pts, width units wide; fewer than two points draw nothing.
	polyline(class string, stroke paint, width float64, pts []point)
	// mark is a dashed vertical line (3 units on, 3 off) from top to bottom at x, with its label.
	mark(x, top, bottom float64, text label)
	// text is a label.
	text(l label)
}
