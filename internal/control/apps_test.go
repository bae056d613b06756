package control

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/cutover-dev/cutover/internal/applog"
)

// TestAppPaths: a client naming an app reaches it under /v1/apps/{app}/; one naming none reaches
// the only app, and is told to name one when there are several; an unknown app is a 404 that says so.
func TestAppPaths(t *testing.T) {
	svc := &service{log: applog.New(0, nil)}
	c, _ := serve(t, svc)
	ctx := context.Background()
	for _, app := range []string{"", "blog"} {
		c.App = app
		if st, err := c.Status(ctx); err != nil || st.Live != "v1" || st.Daemon.Pid != 7 {
			t.Errorf("app %q: status %+v, %v", app, st, err)
		}
		if rels, err := c.Releases(ctx); err != nil || len(rels) != 1 {
			t.Errorf("app %q: releases %v, %v", app, rels, err)
		}
	}
	c.App = "nope"
	if _, err := c.Releases(ctx); err == nil || !strings.Contains(err.Error(), `no such app "nope"`) {
		t.Errorf("unknown app: got %v", err)
	}
	svc.several = true
	c.App = ""
	if _, err := c.Status(ctx); err == nil || !strings.Contains(err.Error(), "name one with --app") {
		t.Errorf("no app named among several: got %v", err)
	}
	resp, err := c.http.Get("http://cutover/v1/releases")
	if err != nil || resp.StatusCode != http.StatusConflict {
		t.Errorf("ambiguous: got %v, %v; want 409", resp.Status, err)
	}
	resp.Body.Close()
}

// TestAppsAPI: create, list, change hosts and destroy, with the errors a user gets.
func TestAppsAPI(t *testing.T) {
	svc := &service{log: applog.New(0, nil)}
	c, _ := serve(t, svc)
	ctx := context.Background()
	if info, err := c.CreateApp(ctx, AppRequest{Name: "api", Hosts: []string{"api.example.com"}}); err != nil || info.Name != "api" {
		t.Errorf("create: %+v, %v", info, err)
	}
	if _, err := c.CreateApp(ctx, AppRequest{Name: "blog"}); err == nil || !strings.Contains(err.Error(), "exists already") {
		t.Errorf("create existing: got %v", err)
	}
	if _, err := c.CreateApp(ctx, AppRequest{Name: "Bad"}); err == nil || !strings.Contains(err.Error(), "not an app name") {
		t.Errorf("create bad name: got %v", err)
	}
	if info, err := c.ChangeHosts(ctx, "blog", HostsRequest{Add: []string{"blog.example.org"}}); err != nil || len(info.Hosts) != 1 {
		t.Errorf("hosts add: %+v, %v", info, err)
	}
	hsts := "max-age=60"
	if info, err := c.ChangeSettings(ctx, "blog", SettingsRequest{HSTS: &hsts}); err != nil || len(info.Hosts) != 1 || info.Hosts[0] != "hsts=max-age=60" {
		t.Errorf("settings: got %+v, %v; want the HSTS value through", info, err)
	}
	if _, err := c.ChangeSettings(ctx, "nope", SettingsRequest{}); err == nil || !strings.Contains(err.Error(), `no such app "nope"`) {
		t.Errorf("settings of an unknown app: got %v", err)
	}
	if apps, err := c.Apps(ctx); err != nil || len(apps) != 1 || apps[0].Hosts[0] != "blog.example.org" {
		t.Errorf("apps: %+v, %v", apps, err)
	}
	if err := c.DestroyApp(ctx, "blog"); err != nil {
		t.Errorf("destroy: %v", err)
	}
	svc.busy = true
	if err := c.DestroyApp(ctx, "blog"); err == nil || !strings.Contains(err.Error(), ErrBusy.Error()) {
		t.Errorf("destroy while deploying: got %v", err)
	}
	resp, err := c.http.Do(mustRequest(t, http.MethodDelete, "http://cutover/v1/apps/blog"))
	if err != nil || resp.StatusCode != http.StatusBadRequest {
		t.Errorf("destroy without confirm: got %v, %v; want 400", resp.Status, err)
	}
	resp.Body.Close()
}

func mustRequest(t *testing.T, method, url string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}
