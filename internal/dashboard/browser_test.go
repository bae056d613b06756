package dashboard_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/cutover-dev/cutover/internal/cli"
	"github.com/cutover-dev/cutover/internal/control"
	"github.com/cutover-dev/cutover/internal/deploy"
	"github.com/cutover-dev/cutover/internal/freeport"
)

// bound is the longest any wait in these tests may take before the test fails.
const bound = 60 * time.Second

// chromiumPath is where Debian's chromium package puts the browser.
const chromiumPath = "/usr/bin/chromium"

// browser is the one headless Chromium the package's tests share; nil when there is none.
var browser context.Context

// TestMain puts a `cutover` command on PATH that re-enters this test binary, so the daemon runs as a
// real `cutover serve`, and starts one browser for all the tests.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"cutover": func() { os.Exit(cli.Main()) }})
}

// newTab returns a tab of the shared browser, starting it on first use; without chromium the test
// is skipped, or fails under CI=true or CUTOVER_REQUIRE_COMPARATORS=1 (set by scripts/test once it
// installed chromium).
func newTab(t *testing.T) context.Context {
	t.Helper()
	browserOnce.Do(startBrowser)
	if browser == nil {
		if os.Getenv("CI") == "true" || os.Getenv("CUTOVER_REQUIRE_COMPARATORS") == "1" {
			t.Fatalf("no chromium at %s: CI needs it (scripts/test installs it)", chromiumPath)
		}
		t.Skipf("no chromium at %s: install it to run the browser tests", chromiumPath)
	}
	ctx, cancel := chromedp.NewContext(browser)
	t.Cleanup(cancel)
	ctx, cancelT := context.WithTimeout(ctx, 3*bound)
	t.Cleanup(cancelT)
	return ctx
}

var browserOnce sync.Once

func startBrowser() {
	if _, err := os.Stat(chromiumPath); err != nil {
		return
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromiumPath), chromedp.NoSandbox,
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.WindowSize(1200, 900))
	alloc, _ := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, _ := chromedp.NewContext(alloc)
	if err := chromedp.Do(ctx); err != nil {
		return
	}
	browser = ctx
}

// artifacts is where screenshots go: $CUTOVER_ARTIFACTS when set, else the test's temp dir.
func artifacts(t *testing.T) string {
	if dir := os.Getenv("CUTOVER_ARTIFACTS"); dir != "" {
		os.MkdirAll(dir, 0o755)
		return dir
	}
	return t.TempDir()
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(bound)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// serve starts a real `cutover serve` with the dashboard and returns its control client and the
// dashboard's origin.
func serve(t *testing.T) (*control.Client, string, string) {
	state := filepath.Join(t.TempDir(), "state")
	addr, dash := freeport.ForTest(t), freeport.ForTest(t)
	cmd := exec.Command("cutover", "serve", "--state", state, "--listen", addr, "--dashboard", dash)
	var out strings.Builder
	var mu sync.Mutex
	cmd.Stdout, cmd.Stderr = writerFunc(func(p []byte) { mu.Lock(); out.Write(p); mu.Unlock() }), writerFunc(func(p []byte) { mu.Lock(); out.Write(p); mu.Unlock() })
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
		if t.Failed() {
			mu.Lock()
			t.Logf("daemon output:\n%s", out.String())
			mu.Unlock()
		}
	})
	client := control.NewClient(state)
	waitFor(t, "the dashboard to answer", func() bool {
		resp, err := http.Get("http://" + dash + "/")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil && resp.StatusCode == 200
	})
	return client, addr, "http://" + dash
}

type writerFunc func([]byte)

func (f writerFunc) Write(p []byte) (int, error) { f(p); return len(p), nil }

// sampleApp is an app whose web process is the built-in sample app at version v with extra flags.
func sampleApp(t *testing.T, v, flags string) string {
	dir := t.TempDir()
	procfile := fmt.Sprintf("web: cutover sample-app --version %s %s\n", v, flags)
	if err := os.WriteFile(filepath.Join(dir, "Procfile"), []byte(procfile), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// load sends requests to addr, one at a time, until stop is closed: bounded by its one connection.
func load(addr string, stop <-chan struct{}) {
	for {
		select {
		case <-stop:
			return
		default:
		}
		if resp, err := http.Get("http://" + addr + "/"); err == nil {
			resp.Body.Close()
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func deployApp(t *testing.T, client *control.Client, req deploy.Request) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), bound)
	defer cancel()
	req.Overrides.Bake = "off"
	if _, err := client.Deploy(ctx, req, func(deploy.Event) {}); err != nil {
		t.Errorf("deploy %+v: %v", req, err)
	}
}

// watchOrigin records every request the tab makes outside origin.
func watchOrigin(t *testing.T, ctx context.Context, origin string) func() []string {
	var mu sync.Mutex
	var foreign []string
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatalf("enable network events: %v", err)
	}
	chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok && !strings.HasPrefix(e.Request.URL, origin+"/") {
			mu.Lock()
			foreign = append(foreign, e.Request.URL)
			mu.Unlock()
		}
		if _, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			go chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}
	})
	return func() []string { mu.Lock(); defer mu.Unlock(); return append([]string(nil), foreign...) }
}
