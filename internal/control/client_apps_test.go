package control

import (
	"context"
	"strings"
	"testing"

	"github.com/cutover-dev/cutover/internal/applog"
)

// TestClientApps: the client reaches every apps endpoint, and an unknown app's error comes back
// as the daemon said it.
func TestClientApps(t *testing.T) {
	c, _ := serve(t, &service{log: applog.New(0, nil)})
	ctx := context.Background()
	if apps, err := c.Apps(ctx); err != nil || len(apps) != 1 || apps[0].Name != "blog" {
		t.Fatalf("apps: %v, %v", apps, err)
	}
	if _, err := c.ChangeHosts(ctx, "nope", HostsRequest{Add: []string{"x.test"}}); err == nil || !strings.Contains(err.Error(), `no such app "nope"`) {
		t.Fatalf("hosts of an unknown app: %v", err)
	}
	if err := c.DestroyApp(ctx, "nope"); err == nil || !strings.Contains(err.Error(), `no such app "nope"`) {
		t.Fatalf("destroy an unknown app: %v", err)
	}
}
