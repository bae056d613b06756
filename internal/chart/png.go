package chart

import (
	"cmp"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"math"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
	"golang.org/x/image/vector"
)

// pngScale is how many pixels WritePNG draws for a unit of the chart: twice the SVG's size reads
// crisp on a dense screen and in a pull request.
const pngScale = 2

// WritePNG writes c as a PNG image of Width×Height units at two pixels a unit (1600×480): the same
// picture Write draws, rasterized anti-aliased with the Go font for its text.
func (c Chart) WritePNG(w io.Writer) error {
	f, err := goRegular()
	if err != nil {
		return fmt.Errorf("write chart: load the Go font: %w", err)
	}
	img := image.NewRGBA(image.Rect(0, 0, Width*pngScale, Height*pngScale))
	draw.Draw(img, img.Bounds(), image.NewUniform(colorOf(paintBackground)), image.Point{}, draw.Src)
	cv := &pngCanvas{img: img, font: f, faces: map[float64]font.Face{}}
	defer cv.close()
	c.draw(cv)
	if cv.err != nil {
		return fmt.Errorf("write chart: %w", cv.err)
	}
	if err := png.Encode(w, img); err != nil {
		return fmt.Errorf("write chart: %w", err)
	}
	return nil
}

// goRegular is the Go font, parsed once; a parsed font is safe to share, a face is not.
var goRegular = sync.OnceValues(func() (*opentype.Font, error) { return opentype.Parse(goregular.TTF) })

// pngCanvas paints shapes as filled polygons on img: a rectangle as itself, a line as a thin quad
// along it, a polyline as one quad a segment with a square at each bend so corners stay closed.
type pngCanvas struct {
	img   *image.RGBA
	r     vector.Rasterizer
	font  *opentype.Font
	shape [][]point             // the polygons of the shape being drawn, in pixels
	faces map[float64]font.Face // by size in pixels
	err   error                 // the first text that could not be drawn
}

func (p *pngCanvas) line(from, to point, stroke paint) {
	p.begin()
	p.stroke(from, to, 1)
	p.fill(stroke)
}

func (p *pngCanvas) rect(class string, x, y, w, h float64, fill paint) {
	p.begin()
	p.polygon(point{x, y}, point{x + w, y}, point{x + w, y + h}, point{x, y + h})
	p.fill(fill)
}

func (p *pngCanvas) polyline(class string, stroke paint, width float64, pts []point) {
	if len(pts) < 2 {
		return
	}
	p.begin()
	for i := 1; i < len(pts); i++ {
		p.stroke(pts[i-1], pts[i], width)
	}
	for _, c := range pts[1 : len(pts)-1] {
		h := width / 2
		p.polygon(point{c.x - h, c.y - h}, point{c.x + h, c.y - h}, point{c.x + h, c.y + h}, point{c.x - h, c.y + h})
	}
	p.fill(stroke)
}

func (p *pngCanvas) mark(x, top, bottom float64, l label) {
	const dash = 3
	p.begin()
	for y := top; y < bottom; y += 2 * dash {
		p.stroke(point{x, y}, point{x, min(y+dash, bottom)}, 1)
	}
	p.fill(paintMark)
	p.text(l)
}

func (p *pngCanvas) text(l label) {
	face, err := p.face(l.size * pngScale)
	if err != nil {
		p.err = cmp.Or(p.err, err)
		return
	}
	d := font.Drawer{Dst: p.img, Face: face}
	x := l.x * pngScale
	if l.end {
		var w fixed.Int26_6
		for _, s := range l.spans {
			w += d.MeasureString(s.text)
		}
		x -= float64(w) / 64
	}
	d.Dot = fixed.Point26_6{X: fixed26(x), Y: fixed26(l.y * pngScale)}
	for _, s := range l.spans {
		fill := s.fill
		if fill == "" {
			fill = paintText
		}
		d.Src = image.NewUniform(colorOf(fill))
		d.DrawString(s.text) // moves d.Dot to the end of the run, where the next starts
	}
}

// face is the Go font at size pixels, made once a canvas.
func (p *pngCanvas) face(size float64) (font.Face, error) {
	if f, ok := p.faces[size]; ok {
		return f, nil
	}
	f, err := opentype.NewFace(p.font, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		return nil, fmt.Errorf("the Go font at %v px: %w", size, err)
	}
	p.faces[size] = f
	return f, nil
}

func (p *pngCanvas) close() {
	for _, f := range p.faces {
		f.Close()
	}
}

// begin starts a shape: the polygons added until fill are painted together, where they overlap
// once.
func (p *pngCanvas) begin() { p.shape = p.shape[:0] }

// fill paints the shape begun last. The rasterizer covers only the shape's bounds: sized to the
// whole image, it would sweep every pixel for every bar.
func (p *pngCanvas) fill(c paint) {
	var box image.Rectangle
	for _, poly := range p.shape {
		for _, q := range poly {
			box = box.Union(image.Rect(int(math.Floor(q.x)), int(math.Floor(q.y)), int(math.Ceil(q.x))+1, int(math.Ceil(q.y))+1))
		}
	}
	box = box.Intersect(p.img.Bounds())
	if box.Empty() {
		return
	}
	p.r.Reset(box.Dx(), box.Dy())
	for _, poly := range p.shape {
		at := func(i int) (float32, float32) {
			return float32(poly[i].x - float64(box.Min.X)), float32(poly[i].y - float64(box.Min.Y))
		}
		p.r.MoveTo(at(0))
		for i := 1; i < len(poly); i++ {
			p.r.LineTo(at(i))
		}
		p.r.ClosePath()
	}
	p.r.Draw(p.img, box, image.NewUniform(colorOf(c)), image.Point{})
}

// stroke adds the quad that covers the line from a to b, width units wide.
func (p *pngCanvas) stroke(a, b point, width float64) {
	dx, dy := b.x-a.x, b.y-a.y
	n := math.Hypot(dx, dy)
	if n == 0 {
		return
	}
	// The normal, half the width long.
	nx, ny := -dy/n*width/2, dx/n*width/2
	p.polygon(point{a.x + nx, a.y + ny}, point{b.x + nx, b.y + ny}, point{b.x - nx, b.y - ny}, point{a.x - nx, a.y - ny})
}

// polygon adds a closed polygon in chart units to the shape, in pixels. The rasterizer adds up
// signed coverage, so every polygon is turned the same way round: overlapping ones then add, not
// cancel.
func (p *pngCanvas) polygon(pts ...point) {
	var area float64
	for i, a := range pts {
		b := pts[(i+1)%len(pts)]
		area += a.x*b.y - b.x*a.y
	}
	if area == 0 {
		return
	}
	px := make([]point, len(pts))
	for i, q := range pts {
		if area < 0 {
			q = pts[len(pts)-1-i]
		}
		px[i] = point{q.x * pngScale, q.y * pngScale}
	}
	p.shape = append(p.shape, px)
}

// colorOf is c's colour; the chart's paints are all #rgb or #rrggbb, so ok is not needed here
// (canvas_test checks each).
func colorOf(c paint) color.RGBA {
	rgba, _ := c.rgba()
	return rgba
}

func fixed26(v float64) fixed.Int26_6 { return fixed.Int26_6(math.Round(v * 64)) }
