package dashboard

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cutover-dev/cutover/internal/control"
)

// countingApp counts the calls of Status; the rest of control.AppService is not called.
type countingApp struct {
	control.AppService
	calls atomic.Int32
}

func (a *countingApp) Status(context.Context) control.Status {
	a.calls.Add(1)
	return control.Status{Live: "v1"}
}

func TestStatusCache(t *testing.T) {
	tests := []struct {
		name string
		ttl  time.Duration
		want int32
	}{
		{"shared within the ttl", time.Hour, 1},
		{"fetched again past it", time.Nanosecond, 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newStatusCache(tt.ttl)
			app := &countingApp{}
			var wg sync.WaitGroup
			for range 20 { // twenty tabs
				wg.Go(func() {
					if st := c.get(context.Background(), "shop", app); st.Live != "v1" {
						t.Errorf("got live %q, want v1", st.Live)
					}
				})
			}
			wg.Wait()
			if got := app.calls.Load(); got != tt.want {
				t.Errorf("got %d Status calls for 20 streams, want %d", got, tt.want)
			}
			c.forget(func(string) bool { return false })
			if len(c.apps) != 0 {
				t.Errorf("got %d apps after forgetting all, want 0", len(c.apps))
			}
		})
	}
}
