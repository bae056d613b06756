package control

import (
	"context"
	"strings"
	"testing"

	"github.com/cutover-dev/cutover/internal/applog"
	"github.com/cutover-dev/cutover/internal/deploy"
)

// TestVars: names are listed without values; one value is masked unless revealed; a change streams
// its events and ends with the release that boots it, or none with --no-restart.
func TestVars(t *testing.T) {
	c, _ := serve(t, &service{log: applog.New(0, nil)})
	ctx := context.Background()
	info, err := c.Vars(ctx)
	if err != nil || info.Version != 2 || strings.Join(info.Names, ",") != "API_TOKEN" || info.LiveVersion != 1 {
		t.Errorf("list: got %+v, %v; want version 2 with API_TOKEN, live on version 1", info, err)
	}
	gets := []struct {
		name    string
		reveal  bool
		want    string
		wantErr string
	}{
		{"API_TOKEN", false, Masked, ""},
		{"API_TOKEN", true, "s3cret", ""},
		{"NOPE", true, "", "no such config var"},
	}
	for _, g := range gets {
		v, err := c.Var(ctx, g.name, g.reveal)
		if g.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), g.wantErr) {
				t.Errorf("get %s: got %v, want %q", g.name, err, g.wantErr)
			}
			continue
		}
		if err != nil || v.Value != g.want {
			t.Errorf("get %s (reveal %v): got %+v, %v; want %q", g.name, g.reveal, v, err, g.want)
		}
	}

	changes := []struct {
		name        string
		change      VarsChange
		wantRelease string
		wantErr     string
	}{
		{"restart", VarsChange{Set: map[string]string{"A": "1"}}, "v2", ""},
		{"no restart", VarsChange{Set: map[string]string{"A": "1"}, NoRestart: true}, "", ""},
		{"bad name", VarsChange{Set: map[string]string{"1BAD": "x"}}, "", "not a config var name"},
	}
	for _, tt := range changes {
		t.Run(tt.name, func(t *testing.T) {
			var events []deploy.Event
			rel, err := c.ChangeVars(ctx, tt.change, func(e deploy.Event) { events = append(events, e) })
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("got %v, want %q", err, tt.wantErr)
				}
				return
			}
			got := ""
			if rel != nil {
				got = rel.ID
			}
			if err != nil || got != tt.wantRelease || len(events) != 1 {
				t.Errorf("got release %q, %v, events %+v; want %q and the event", got, err, events, tt.wantRelease)
			}
		})
	}
	busy, _ := serve(t, &service{log: applog.New(0, nil), busy: true})
	if _, err := busy.ChangeVars(ctx, VarsChange{Set: map[string]string{"A": "1"}}, nil); err == nil || !strings.Contains(err.Error(), "another deploy is running") {
		t.Errorf("change while a deploy runs: got %v, want it refused as busy", err)
	}
}
