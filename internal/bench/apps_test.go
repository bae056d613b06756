package bench

import (
	"log/slog"
	"slices"
	"testing"

	"github.com/cutover-dev/cutover/internal/proxy"
)

func TestAppHosts(t *testing.T) {
	tests := []struct {
		n    int
		want []string
	}{
		{0, nil},
		{1, nil},
		{3, []string{"app1.test", "app2.test", "app3.test"}},
	}
	for _, tt := range tests {
		if got := appHosts(tt.n); !slices.Equal(got, tt.want) {
			t.Errorf("appHosts(%d): got %q, want %q", tt.n, got, tt.want)
		}
	}
	if got, want := CutoverApps(100), "cutover (100 apps)"; got != want {
		t.Errorf("got target %q, want %q", got, want)
	}
}

// TestRouteAppsPools: each app gets a pool of its own, as in the daemon, unless shared.
func TestRouteAppsPools(t *testing.T) {
	for _, shared := range []bool{false, true} {
		p := proxy.New(proxy.Options{Logger: slog.New(slog.DiscardHandler)})
		sites, err := routeApps(p, "127.0.0.1:1", 3, shared)
		if err != nil {
			t.Fatal(err)
		}
		pools := map[*proxy.Pool]bool{}
		for _, s := range sites {
			pools[s.Current()] = true
		}
		if want := map[bool]int{false: 3, true: 1}[shared]; len(sites) != 3 || len(pools) != want {
			t.Errorf("shared %v: got %d sites with %d pools, want 3 with %d", shared, len(sites), len(pools), want)
		}
	}
}
