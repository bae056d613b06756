package chart

import (
	"fmt"
	"image/color"
	"testing"
)

func TestPaintRGBA(t *testing.T) {
	tests := []struct {
		p      paint
		want   color.RGBA
		wantOK bool
	}{
		{paintBackground, color.RGBA{0xff, 0xff, 0xff, 0xff}, true},
		{paintAxis, color.RGBA{0x99, 0x99, 0x99, 0xff}, true},
		{paintReq, color.RGBA{0x8a, 0xb4, 0xf8, 0xff}, true},
		{paintFailed, color.RGBA{0xd9, 0x30, 0x25, 0xff}, true},
		{paintP50, color.RGBA{0x18, 0x80, 0x38, 0xff}, true},
		{paintP99, color.RGBA{0xe3, 0x74, 0x00, 0xff}, true},
		{paintMark, color.RGBA{0x5f, 0x63, 0x68, 0xff}, true},
		{paintText, color.RGBA{0, 0, 0, 0xff}, true},
		{"", color.RGBA{}, false},
		{"red", color.RGBA{}, false},
		{"#12345", color.RGBA{}, false},
		{"#gggggg", color.RGBA{}, false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%q", tt.p), func(t *testing.T) {
			got, ok := tt.p.rgba()
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("got %v, %t, want %v, %t", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}
