package deploy

import (
	"testing"

	"github.com/cutover-dev/cutover/internal/config"
)

func TestBuffering(t *testing.T) {
	off := false
	for _, tc := range []struct {
		name string
		cfg  config.Config
		want bool // requests buffered
	}{
		{"defaults", config.Config{}, config.DefaultBufferRequests},
		{"off", config.Config{BufferRequests: &off}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Buffering(tc.cfg); got.Requests != tc.want {
				t.Errorf("Buffering(%s).Requests = %v, want %v", tc.name, got.Requests, tc.want)
			}
		})
	}
}
