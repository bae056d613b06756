package control

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/cutover-dev/cutover/internal/applog"
	"github.com/cutover-dev/cutover/internal/config"
)

// TestClientTraffic: pause, resume and maintenance go to the app the client names, and a refusal
// comes back as the error the service gave.
func TestClientTraffic(t *testing.T) {
	svc := &service{log: applog.New(0, nil)}
	c, _ := serve(t, svc)
	c.App = "blog"
	ctx := context.Background()
	tests := []struct {
		name string
		do   func() (Traffic, error)
		want func(Traffic) bool
		err  string
	}{
		{"pause", func() (Traffic, error) { return c.Pause(ctx, PauseRequest{Timeout: config.Duration(5 * time.Second)}) },
			func(tr Traffic) bool { return tr.Paused && time.Duration(tr.PauseTimeout) == 5*time.Second }, ""},
		{"resume", func() (Traffic, error) { return c.Resume(ctx) },
			func(tr Traffic) bool { return !tr.Paused && tr.Released == 3 }, ""},
		{"maintenance on", func() (Traffic, error) {
			return c.Maintenance(ctx, MaintenanceRequest{On: true, Message: "back soon", Allow: []string{"10.0.0.0/8"}})
		}, func(tr Traffic) bool {
			return tr.Maintenance && tr.Message == "back soon" && tr.Allow[0] == "10.0.0.0/8"
		}, ""},
		{"maintenance, bad allow", func() (Traffic, error) {
			return c.Maintenance(ctx, MaintenanceRequest{On: true, Allow: []string{"bogus"}})
		},
			nil, "not an address or network"},
		{"maintenance off", func() (Traffic, error) { return c.Maintenance(ctx, MaintenanceRequest{}) },
			func(tr Traffic) bool { return !tr.Maintenance }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.do()
			switch {
			case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
				t.Errorf("got %v, want an error saying %q", err, tt.err)
			case tt.err == "" && err != nil:
				t.Errorf("got %v, want no error", err)
			case tt.want != nil && !tt.want(got):
				t.Errorf("got %+v", got)
			}
		})
	}
	c.App = "nope"
	if _, err := c.Pause(ctx, PauseRequest{}); err == nil || !strings.Contains(err.Error(), "no such app") {
		t.Errorf("pause of an unknown app: got %v, want no such app", err)
	}
}
