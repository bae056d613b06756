package bench

import (
	"slices"
	"testing"
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
