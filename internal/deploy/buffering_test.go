package deploy

import (
	"testing"

	"github.com/cutover-dev/cutover/internal/config"
	"github.com/cutover-dev/cutover/internal/proxy"
)

func TestBuffering(t *testing.T) {
	off := false
	for _, tc := range []struct {
		name      string
		cfg       config.Config
		want      bool  // requests buffered
		wantLimit int64 // the largest response buffered, once the site has it
	}{
		{"defaults", config.Config{}, config.DefaultBufferRequests, proxy.DefaultResponseBuffer},
		{"off", config.Config{BufferRequests: &off}, false, proxy.DefaultResponseBuffer},
		{"larger responses", config.Config{MaxBufferedResponse: "8MiB"}, true, 8 << 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Buffering(tc.cfg)
			if got.Requests != tc.want {
				t.Errorf("Buffering(%s).Requests = %v, want %v", tc.name, got.Requests, tc.want)
			}
			site := proxy.New(proxy.Options{}).Site()
			site.SetBuffering(got)
			if limit := site.Buffering().ResponseLimit; limit != tc.wantLimit {
				t.Errorf("Buffering(%s) gives the site a response limit of %d, want %d", tc.name, limit, tc.wantLimit)
			}
		})
	}
}

// TestServe checks that a move of traffic brings the buffering of the release it moves to, both ways.
func TestServe(t *testing.T) {
	off := false
	site := proxy.New(proxy.Options{}).Site()
	v1 := proxy.NewPool("v1", nil)
	if prev := Serve(site, v1, config.Config{}); prev != nil || site.Current() != v1 || !site.Buffering().Requests {
		t.Fatalf("got prev %v, current %v, buffering %+v; want v1 serving, buffered", prev, site.Current(), site.Buffering())
	}
	v2 := proxy.NewPool("v2", nil)
	if prev := Serve(site, v2, config.Config{BufferRequests: &off, BufferResponses: &off}); prev != v1 || site.Buffering().Requests {
		t.Errorf("got prev %v, buffering %+v; want v1 before, v2's no buffering", prev, site.Buffering())
	}
	Serve(site, v1, config.Config{}) // a switch back restores v1's
	if !site.Buffering().Requests {
		t.Errorf("got buffering %+v after the switch back, want v1's", site.Buffering())
	}
}
