package chart

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"testing"

	"github.com/cutover-dev/cutover/internal/report"
)

// decode draws c as a PNG and reads it back, as a viewer would.
func decode(t *testing.T, c Chart) *image.RGBA {
	t.Helper()
	var b bytes.Buffer
	if err := c.WritePNG(&b); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&b)
	if err != nil {
		t.Fatalf("got a PNG that does not decode: %v", err)
	}
	rgba := image.NewRGBA(img.Bounds())
	draw.Draw(rgba, rgba.Bounds(), img, img.Bounds().Min, draw.Src)
	return rgba
}

// at is the pixel under (x, y) in chart units.
func at(img *image.RGBA, x, y float64) color.RGBA {
	return img.RGBAAt(int(x*pngScale), int(y*pngScale))
}

// count is how many pixels of the box from (x0, y0) to (x1, y1), in chart units, match.
func count(img *image.RGBA, x0, y0, x1, y1 float64, match func(color.RGBA) bool) int {
	n := 0
	for y := int(y0 * pngScale); y < int(y1*pngScale); y++ {
		for x := int(x0 * pngScale); x < int(x1*pngScale); x++ {
			if match(img.RGBAAt(x, y)) {
				n++
			}
		}
	}
	return n
}

func is(p paint) func(color.RGBA) bool {
	want := colorOf(p)
	return func(c color.RGBA) bool { return c == want }
}

func notWhite(c color.RGBA) bool { return c != colorOf(paintBackground) }

func TestWritePNG(t *testing.T) {
	for name, c := range charts() {
		t.Run(name, func(t *testing.T) {
			t.Parallel() // the parsed font is shared: -race checks it is safe to
			img := decode(t, c)
			if got, want := img.Bounds(), image.Rect(0, 0, 1600, 480); got != want {
				t.Errorf("got bounds %v, want %v", got, want)
			}
			if got := at(img, 2, 2); got != colorOf(paintBackground) {
				t.Errorf("got corner %v, want white", got)
			}
			if n := count(img, pad, 0, Width/2, 18, notWhite); n < 200 {
				t.Errorf("got %d inked pixels where the title is, want the title drawn", n)
			}
			if n := count(img, pad, 0, Width/2, 18, func(c color.RGBA) bool { return c.R < 0x60 && c.G < 0x60 && c.B < 0x60 }); n == 0 {
				t.Error("got no dark pixels in the title, want black text")
			}
			if got := at(img, pad+100, Height-pad); got != colorOf(paintAxis) {
				t.Errorf("got %v on the axis, want %v", got, colorOf(paintAxis))
			}
			// The legend's squares are the bars' colours.
			for _, p := range []paint{paintReq, paintFailed} {
				if n := count(img, pad, Height-20, pad+100, Height, is(p)); n < 20 {
					t.Errorf("got %d pixels of %s in the legend, want its square", n, p)
				}
			}
		})
	}
}

func TestWritePNGDeploy(t *testing.T) {
	img := decode(t, charts()["deploy"])
	// The first second's bar: 10 of a peak of 12 requests, from x 36 to 217 and y 64 to 204.
	if got := at(img, 120, 170); got != colorOf(paintReq) {
		t.Errorf("got %v inside the first bar, want %v", got, colorOf(paintReq))
	}
	// The second second failed 2 requests: red from y 176 down to the axis.
	if got := at(img, 300, 198); got != colorOf(paintFailed) {
		t.Errorf("got %v inside the failed bar, want %v", got, colorOf(paintFailed))
	}
	// The switch mark at x 218 is dashed: its colour on about half of its column.
	markCol := count(img, 218, pad, 218.5, Height-pad, is(paintMark))
	if rows := (Height - 2*pad) * pngScale; markCol < rows*4/10 || markCol > rows*6/10 {
		t.Errorf("got the mark's colour on %d of %d pixels of its column, want about half", markCol, rows)
	}
	if n := count(img, 220, 22, 260, 34, notWhite); n < 50 {
		t.Errorf("got %d inked pixels where the label switch is, want it drawn", n)
	}
	// The p99 line climbs from (36, 148) to (218, 36); its middle is near (127, 92).
	near := func(want paint) func(color.RGBA) bool {
		w := colorOf(want)
		return func(c color.RGBA) bool {
			d := func(a, b uint8) int { return max(int(a)-int(b), int(b)-int(a)) }
			return d(c.R, w.R)+d(c.G, w.G)+d(c.B, w.B) < 24
		}
	}
	if n := count(img, 125, 90, 129, 94, near(paintP99)); n == 0 {
		t.Error("got no p99 colour around (127, 92), want the line there")
	}
	// The end time is drawn leftward from x 764, the plot's right edge.
	if n := count(img, Width-pad-50, Height-pad+4, Width-pad, Height-pad+16, notWhite); n < 50 {
		t.Errorf("got %d inked pixels left of x %d, want the end time", n, Width-pad)
	}
	if n := count(img, Width-pad+2, Height-pad+4, Width, Height-pad+16, notWhite); n != 0 {
		t.Errorf("got %d inked pixels right of x %d, want the end time to end there", n, Width-pad)
	}
}

func TestWritePNGFailedRed(t *testing.T) {
	failed := charts()["deploy"]
	ok := failed
	ok.Points = append([]report.Point(nil), failed.Points...)
	for i := range ok.Points {
		ok.Points[i].Failed = 0
	}
	tests := []struct {
		name    string
		c       Chart
		wantRed bool
	}{
		{"failed second", failed, true},
		{"none failed", ok, false},
		{"empty", charts()["empty"], false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			red := count(decode(t, tt.c), 0, 0, Width, Height-pad, is(paintFailed))
			if (red > 0) != tt.wantRed {
				t.Errorf("got %d red pixels above the axis, want red: %t", red, tt.wantRed)
			}
		})
	}
}

func TestWritePNGEmpty(t *testing.T) {
	img := decode(t, charts()["empty"])
	if n := count(img, 0, pad, Width, Height-pad-1, notWhite); n != 0 {
		t.Errorf("got %d inked pixels in an empty plot, want none", n)
	}
}
