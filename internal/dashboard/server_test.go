package dashboard_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/cutover-dev/cutover/internal/control"
	"github.com/cutover-dev/cutover/internal/deploy"
)

// TestDashboardInBrowser drives the dashboard of a real daemon, under load, in headless Chromium:
// the app shows, a deploy shows live with its figures so far, the chart marks its steps, a rollback
// from the release page works once confirmed (with script and without), the page fits a phone, and
// no request leaves the dashboard's origin.
func TestDashboardInBrowser(t *testing.T) {
	tab := newTab(t)
	client, addr, origin := serve(t)
	foreign := watchOrigin(t, tab, origin)
	shots := artifacts(t)
	t.Logf("screenshots in %s", shots)
	deployApp(t, client, deploy.Request{Source: sampleApp(t, "v1", "")})
	stop := make(chan struct{})
	defer close(stop)
	go load(addr, stop)

	run(t, tab, chromedp.Navigate(origin+"/"))
	apps := value(t, tab, chromedp.Text(chromedp.CSS("#apps")))
	if !strings.Contains(apps, "v1") {
		t.Fatalf("got apps table %q, want the app live at v1", apps)
	}
	app := value(t, tab, chromedp.Evaluate[string](`document.querySelector("#apps a").getAttribute("href")`))
	run(t, tab, chromedp.Navigate(origin+app), chromedp.WaitVisible(chromedp.CSS("#processes")))

	// v2 boots slowly, so that its deploy is under way across several status events.
	done := make(chan struct{})
	go func() {
		defer close(done)
		deployApp(t, client, deploy.Request{Source: sampleApp(t, "v2", "--boot-delay 3s")})
	}()
	run(t, tab, chromedp.Poll[bool](`document.getElementById("deploying").textContent.includes("v2")`, chromedp.WithPollingTimeout(bound)))
	run(t, tab, chromedp.Poll[bool](`[...document.querySelectorAll("#steps li")].some(l => l.textContent.startsWith("prepare"))`, chromedp.WithPollingTimeout(bound)))
	// The deploy's figures so far come with its steps: the load's requests since it began.
	run(t, tab, chromedp.Poll[bool](`parseInt(document.getElementById("deploy-figures").textContent) > 0`, chromedp.WithPollingTimeout(bound)))
	screenshot(t, tab, filepath.Join(shots, "deploying.png"))
	if docs := os.Getenv("CUTOVER_DOCS_SCREENSHOT"); docs != "" { // docs/dashboard.png: a deploy under way
		screenshot(t, tab, docs)
	}
	<-done
	// The page reloads itself once the deploy it watched has ended (a reload of the test's own would
	// race it): wait for the reloaded page, the one with v2's deploy chart (the page before had v1's).
	eventually(t, tab, "the page to reload with v2's deploy chart",
		`document.readyState == "complete" && document.querySelector("#chart title")?.textContent == "deploy of v2"`)
	if live := value(t, tab, chromedp.Text(chromedp.CSS("#live-release"))); live != "v2" {
		t.Errorf("got live release %q after v2's deploy, want v2", live)
	}
	marks := value(t, tab, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#chart .mark text")].map(e => e.textContent)`))
	if !strings.Contains(strings.Join(marks, ","), "switch") {
		t.Errorf("got chart marks %v, want one at the switch", marks)
	}
	hourMarks := value(t, tab, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#hour .mark text")].map(e => e.textContent)`))
	if !strings.Contains(strings.Join(hourMarks, ","), "v2") {
		t.Errorf("got hour chart marks %v, want one at v2's deploy", hourMarks)
	}
	// The hour chart fills from the metrics sampled under load, sent to the page as they come.
	run(t, tab, chromedp.Poll[bool](`document.querySelectorAll("#hour rect.req").length > 0`, chromedp.WithPollingTimeout(bound)))
	screenshot(t, tab, filepath.Join(shots, "deployed.png"))
	if body := get(t, origin+"/metrics"); !strings.Contains(body, "cutover_requests_total") {
		t.Errorf("got /metrics without cutover_requests_total:\n%.500s", body)
	}

	run(t, tab, chromedp.Navigate(origin+app+"/releases/v1"), chromedp.WaitVisible(chromedp.CSS("#rollback button")),
		chromedp.Click(chromedp.CSS("#rollback button")))
	eventually(t, tab, "the page to follow the rollback", fmt.Sprintf(`location.pathname == %q`, app))
	waitFor(t, "the rollback to serve", func() bool {
		st, err := client.Status(context.Background())
		return err == nil && st.Live == "v3"
	})
	screenshot(t, tab, filepath.Join(shots, "after-rollback.png"))

	run(t, tab, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)), chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#processes")))
	overflow := value(t, tab, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > document.documentElement.clientWidth`))
	screenshot(t, tab, filepath.Join(shots, "phone.png"))
	if overflow {
		t.Errorf("got a horizontal overflow at 390px, want none")
	}
	rollbackWithoutScript(t, client, origin, app)
	if f := foreign(); len(f) > 0 {
		t.Errorf("got requests outside %s: %v", origin, f)
	}
}

// rollbackWithoutScript rolls back to v1 in a tab that runs no script: the release page's form
// answers a page that asks, and its form rolls back.
func rollbackWithoutScript(t *testing.T, client *control.Client, origin, app string) {
	t.Helper()
	tab := newTab(t)
	if _, err := chromedp.Call(tab, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatalf("disable scripts: %v", err)
	}
	// The release page offers the rollback once v3's deploy has ended; without script it is loaded again.
	waitFor(t, "the release page to offer a rollback", func() bool {
		ctx, cancel := context.WithTimeout(tab, evalBound)
		defer cancel()
		_, err := chromedp.Run(ctx, chromedp.Navigate(origin+app+"/releases/v1"))
		if err != nil {
			return false
		}
		nodes, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSS("#rollback button"), chromedp.AtLeast(0)))
		return err == nil && len(nodes) > 0
	})
	run(t, tab, chromedp.Click(chromedp.CSS("#rollback button")), chromedp.WaitVisible(chromedp.CSS("#rollback-confirmed button")))
	question := value(t, tab, chromedp.Text(chromedp.CSS("#question")))
	if want := "This deploys v1's code and config again"; !strings.Contains(question, want) {
		t.Errorf("got question %q, want it to say %q", question, want)
	}
	if cancel := value(t, tab, chromedp.AttributeValue(chromedp.CSS("#cancel"), "href")); cancel.Value != app+"/releases/v1" {
		t.Errorf("got Cancel to %q, want %q", cancel.Value, app+"/releases/v1")
	}
	if st, err := client.Status(context.Background()); err != nil || st.Deploying != "" || st.Live != "v3" {
		t.Fatalf("got status %+v (%v) before the rollback was confirmed, want v3 live and no deploy", st, err)
	}
	run(t, tab, chromedp.Click(chromedp.CSS("#rollback-confirmed button")))
	waitFor(t, "the rollback without script to serve", func() bool {
		st, err := client.Status(context.Background())
		return err == nil && st.Live == "v4"
	})
}

// evalBound is the longest one evaluation in the page may take; a page that navigates meanwhile
// fails it, and the wait tries again.
const evalBound = 5 * time.Second

// eventually waits until the expression js is true in tab; errors while the page navigates (a reload,
// a redirect) count as not yet.
func eventually(t *testing.T, tab context.Context, what, js string) {
	t.Helper()
	waitFor(t, what, func() bool {
		ctx, cancel := context.WithTimeout(tab, evalBound)
		defer cancel()
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
		return err == nil && ok
	})
}

func run[T any](t *testing.T, tab context.Context, actions ...chromedp.Action[T]) {
	t.Helper()
	for _, a := range actions {
		if _, err := chromedp.Run(tab, a); err != nil {
			t.Fatalf("browser: %v", err)
		}
	}
}

func value[T any](t *testing.T, tab context.Context, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(tab, a)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	return v
}

func screenshot(t *testing.T, tab context.Context, path string) {
	t.Helper()
	png := value(t, tab, chromedp.CaptureScreenshot())
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}
