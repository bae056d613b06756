package cli

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cutover-dev/cutover/internal/release"
	"github.com/cutover-dev/cutover/internal/report"
)

func TestWriteChart(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	rel := &release.Release{ID: "v2", Steps: []release.Step{
		{Name: "switch", Start: t0.Add(time.Second), Duration: time.Millisecond},
	}, Report: &report.Summary{From: t0, To: t0.Add(2 * time.Second), Series: []report.Point{
		{Time: t0, Requests: 10, Failed: 1, P50: time.Millisecond, P99: 3 * time.Millisecond},
	}}}
	isSVG := func(t *testing.T, b []byte) {
		if !bytes.HasPrefix(b, []byte("<svg")) || !bytes.Contains(b, []byte(">switch<")) {
			t.Errorf("got %.60q..., want an SVG with the switch marked", b)
		}
	}
	isPNG := func(t *testing.T, b []byte) {
		if !bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) {
			t.Fatalf("got %.16q..., want the PNG signature", b)
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("got a PNG that does not decode: %v", err)
		}
		if got := img.Bounds().Size(); got.X != 1600 || got.Y != 480 {
			t.Errorf("got %v pixels, want 1600×480", got)
		}
	}
	tests := []struct {
		file    string
		check   func(*testing.T, []byte)
		wantErr string
	}{
		{"v2.svg", isSVG, ""},
		{"v2.SVG", isSVG, ""},
		{"v2.png", isPNG, ""},
		{"v2.Png", isPNG, ""},
		{"v2.jpg", nil, "name a .svg or a .png file"},
		{"v2", nil, "name a .svg or a .png file"},
		{"svg", nil, "name a .svg or a .png file"},
		{filepath.Join("missing", "v2.png"), nil, "--chart: open"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), tt.file)
			err := writeChart(path, rel)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got error %v, want one saying %q", err, tt.wantErr)
				}
				if _, err := os.Stat(path); !os.IsNotExist(err) {
					t.Errorf("got %s written (%v), want no file", tt.file, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, b)
		})
	}
}

// TestPruneKeepsAtLeastOne: --keep 0 is refused before the daemon is asked (the daemon took 0 for
// its default and kept 5).
func TestPruneKeepsAtLeastOne(t *testing.T) {
	var out, errs bytes.Buffer
	if code := Run([]string{"--state", t.TempDir(), "releases", "prune", "--keep", "0"}, &out, &errs); code == 0 || !strings.Contains(errs.String(), "keep at least 1") {
		t.Fatalf("exit %d, stderr %q: want --keep 0 refused", code, errs.String())
	}
}
