package dashboard

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/cutover-dev/cutover/internal/control"
	"github.com/cutover-dev/cutover/internal/deploy"
	"github.com/cutover-dev/cutover/internal/release"
)

// releases is an app with releases v1 and v2 whose deploys are recorded, not run; the rest of
// control.AppService is not called.
type releases struct {
	control.AppService
	mu      sync.Mutex
	deploys []deploy.Request
}

func (a *releases) Release(id string) (*release.Release, error) {
	if id != "v1" && id != "v2" {
		return nil, fmt.Errorf("release %s: %w", id, release.ErrNotFound)
	}
	return &release.Release{ID: id}, nil
}

func (a *releases) Deploy(_ context.Context, req deploy.Request, _ func(deploy.Event)) (*release.Release, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.deploys = append(a.deploys, req)
	return &release.Release{ID: "v3"}, nil
}

func (a *releases) Status(context.Context) control.Status {
	a.mu.Lock()
	defer a.mu.Unlock()
	st := control.Status{App: "shop", Live: "v2"}
	if len(a.deploys) > 0 {
		st.Deploying = "v3"
	}
	return st
}

func (a *releases) started() []deploy.Request {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]deploy.Request(nil), a.deploys...)
}

// TestRollbackWithoutScript: a rollback POST without confirm=yes (a browser that runs no script)
// answers a page that asks, whose form posts confirm=yes; that one rolls back.
func TestRollbackWithoutScript(t *testing.T) {
	app := &releases{}
	s := New(Options{Source: oneApp{app}})
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	post := func(path string, form url.Values) (*http.Response, string) {
		t.Helper()
		resp, err := client.PostForm(ts.URL+path, form)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	tests := []struct {
		name    string
		path    string
		form    url.Values
		status  int
		body    []string // what the answer must contain
		deploys int
	}{
		{"not confirmed", "/apps/shop/releases/v1/rollback", url.Values{"csrf": {s.csrf}}, http.StatusOK, []string{
			"Roll back shop to v1? This deploys v1's code and config again, with the preboot.",
			`<form method="post" action="/apps/shop/releases/v1/rollback"`,
			`name="confirm" value="yes"`,
			`name="csrf" value="` + s.csrf + `"`,
			`<a href="/apps/shop/releases/v1" id="cancel">Cancel</a>`,
			`/static/style.css`,
		}, 0},
		{"not confirmed, live already", "/apps/shop/releases/v2/rollback", url.Values{"csrf": {s.csrf}}, http.StatusOK, []string{
			"v2 is live already: there is nothing to roll back to.",
		}, 0},
		{"not confirmed, no such release", "/apps/shop/releases/v9/rollback", url.Values{"csrf": {s.csrf}}, http.StatusNotFound, nil, 0},
		{"not confirmed, no token", "/apps/shop/releases/v1/rollback", url.Values{}, http.StatusForbidden, nil, 0},
		{"confirmed", "/apps/shop/releases/v1/rollback", url.Values{"csrf": {s.csrf}, "confirm": {"yes"}}, http.StatusSeeOther, nil, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := post(tt.path, tt.form)
			if resp.StatusCode != tt.status {
				t.Fatalf("got %d, want %d: %s", resp.StatusCode, tt.status, body)
			}
			for _, want := range tt.body {
				if !strings.Contains(body, want) {
					t.Errorf("got page without %q:\n%s", want, body)
				}
			}
			if tt.name == "not confirmed, live already" && strings.Contains(body, "rollback-confirmed") {
				t.Errorf("got a form to confirm a rollback that cannot run:\n%s", body)
			}
			if got := len(app.started()); got != tt.deploys {
				t.Errorf("got %d deploys started, want %d", got, tt.deploys)
			}
		})
	}
	if d := app.started(); len(d) != 1 || d[0].Rollback != "v1" {
		t.Errorf("got deploys %+v, want one rollback to v1", d)
	}
}

// TestRollbackConfirmForm: the form of the page that asks posts what a confirmed rollback needs,
// and a GET of the rollback's address changes nothing.
func TestRollbackConfirmForm(t *testing.T) {
	app := &releases{}
	s := New(Options{Source: oneApp{app}})
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	resp, err := http.PostForm(ts.URL+"/apps/shop/releases/v1/rollback", url.Values{"csrf": {s.csrf}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	form := url.Values{}
	for _, m := range regexp.MustCompile(`<input type="hidden" name="(\w+)" value="(\w*)">`).FindAllStringSubmatch(string(b), -1) {
		form.Set(m[1], m[2])
	}
	action := regexp.MustCompile(`<form method="post" action="([^"]+)"`).FindStringSubmatch(string(b))
	if action == nil {
		t.Fatalf("got no form in the page that asks:\n%s", b)
	}
	if resp, err := http.Get(ts.URL + action[1]); err != nil {
		t.Errorf("GET %s: %v", action[1], err)
	} else if resp.Body.Close(); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("got GET %s: %s, want 405", action[1], resp.Status)
	}
	if len(app.started()) != 0 {
		t.Fatalf("got a deploy before the form was posted, want none")
	}
	// The redirect to the app's page is not followed (this app cannot draw it): only the deploy
	// counts here.
	resp, err = (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).PostForm(ts.URL+action[1], form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if d := app.started(); resp.StatusCode != http.StatusSeeOther || len(d) != 1 || d[0].Rollback != "v1" {
		t.Errorf("got %s and deploys %+v, want 303 and one rollback to v1", resp.Status, d)
	}
}
