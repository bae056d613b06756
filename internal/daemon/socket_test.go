package daemon_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/cutover-dev/cutover/internal/deploy"
	"github.com/cutover-dev/cutover/internal/loadgen"
)

// socketApps are servers that take a socket passed under the systemd socket activation protocol,
// each as an app at a version, in socket mode: the built-in sample app (Go), and two servers no one
// here wrote, from Debian's packages.
var socketApps = []struct {
	name string
	need string // the command the app runs, which scripts/test installs
	app  func(t *testing.T, version string) string
}{
	{"sample app", "", func(t *testing.T, v string) string {
		return sampleApp(t, v, "", socketMode)
	}},
	{"gunicorn", "gunicorn", gunicornApp},
	{"puma", "puma", pumaApp},
}

const socketMode = "mode = \"socket\"\nstop_timeout = \"20s\"\n"

// gunicornApp is a WSGI app under gunicorn (2 sync workers), which takes the socket on its own and
// says READY=1, but does not listen on $PORT.
func gunicornApp(t *testing.T, version string) string {
	dir := writeApp(t, "web: exec gunicorn --workers 2 --graceful-timeout 15 --bind 127.0.0.1:$PORT app:app\n", socketMode)
	app := fmt.Sprintf(`import os
def app(environ, start_response):
    body = environ["wsgi.input"].read() if environ["REQUEST_METHOD"] == "POST" else b"hello from %[1]s\n"
    start_response("200 OK", [("Content-Type", "text/plain"), ("X-App-Version", "%[1]s")])
    return [body]
`, version)
	if err := os.WriteFile(filepath.Join(dir, "app.py"), []byte(app), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// pumaApp is a Rack app under Puma, which takes the socket when asked to and answers health checks
// on $PORT too. Its config/puma.rb says queue_requests false, as cutover's deploy advises: Puma
// otherwise closes idle keep-alive connections without an answer when it stops.
func pumaApp(t *testing.T, version string) string {
	dir := writeApp(t, "web: exec puma --bind-to-activated-sockets -b tcp://127.0.0.1:$PORT -t 4:8 config.ru\n", socketMode)
	if err := os.MkdirAll(filepath.Join(dir, "config"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config", "puma.rb"), []byte("queue_requests false\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	app := fmt.Sprintf(`run lambda { |env|
  body = env["REQUEST_METHOD"] == "POST" ? env["rack.input"].read : "hello from %[1]s\n"
  [200, {"Content-Type" => "text/plain", "X-App-Version" => "%[1]s"}, [body]]
}
`, version)
	if err := os.WriteFile(filepath.Join(dir, "config.ru"), []byte(app), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestSocketModeDeployUnderLoad deploys v1 then v2 of each server in socket mode under GET and POST
// load: no request fails, the client re-sends none, and every request that starts once the old
// release has stopped is answered by v2.
func TestSocketModeDeployUnderLoad(t *testing.T) {
	for _, tt := range socketApps {
		t.Run(tt.name, func(t *testing.T) {
			if tt.need != "" {
				if _, err := exec.LookPath(tt.need); err != nil {
					t.Fatalf("%s is not installed: scripts/test installs it from Debian's packages", tt.need)
				}
			}
			state := filepath.Join(t.TempDir(), "state")
			d := startDaemon(t, state, "")
			d.mustDeploy(tt.app(t, "v1"))
			if got := d.version(); got != "v1" {
				t.Fatalf("after the first deploy: got %s, want v1", got)
			}

			stopLoad := startLoad(t,
				loadgen.Options{URL: d.url("/"), Concurrency: 4},
				loadgen.Options{URL: d.url("/echo"), Method: "POST", Body: []byte("payload"), Concurrency: 2})
			time.Sleep(300 * time.Millisecond) // load before the deploy, so requests are in flight when it starts
			_, events, err := d.deploy(deploy.Request{Source: tt.app(t, "v2")})
			if err != nil {
				t.Fatalf("deploy v2: %v\nevents: %+v", err, events)
			}
			time.Sleep(300 * time.Millisecond)
			results := stopLoad()
			oldStopped := eventTime(t, events, "stop old", deploy.StepDone)
			for _, e := range events {
				if e.Kind == deploy.Warn {
					t.Errorf("the deploy warned: %s", e.Message)
				}
			}

			oldStopping := eventTime(t, events, "stop old", deploy.StepStart)
			var sent, after int
			for _, r := range results {
				if r.Retries != 0 {
					t.Errorf("%s: the client silently re-sent %d request(s), want 0", r, r.Retries)
				}
				for _, s := range r.Samples {
					sent++
					if s.Class != loadgen.ClassOK || s.Status != 200 {
						t.Errorf("request started %s after v1's SIGTERM failed: status %d, %s %v", s.Start.Sub(oldStopping), s.Status, s.Class, s.Err)
						continue
					}
					if s.Start.After(oldStopped) {
						after++
						if s.Version != "v2" {
							t.Errorf("request started after v1 stopped: got %s, want v2", s.Version)
						}
					}
				}
			}
			t.Logf("sent %d requests, %d after v1 stopped; GET %s; POST %s", sent, after, results[0], results[1])
			if after == 0 {
				t.Errorf("no request started after v1 stopped: the load did not cover the deploy")
			}
			for pid, r := range appProcesses(t, state) {
				if r != "v2" {
					t.Errorf("pid %d of %s still runs after the deploy", pid, r)
				}
			}
		})
	}
}

// TestSwitchToSocketModeUnderLoad deploys a socket-mode release over a proxy-mode one under
// keep-alive load: the proxy stops accepting and closes each of its connections between requests,
// and the clients' next connections go to the app directly; no request fails, none is re-sent.
func TestSwitchToSocketModeUnderLoad(t *testing.T) {
	d := startDaemon(t, filepath.Join(t.TempDir(), "state"), "")
	d.mustDeploy(sampleApp(t, "v1", "", ""))
	stopLoad := startLoad(t,
		loadgen.Options{URL: d.url("/"), Concurrency: 4},
		loadgen.Options{URL: d.url("/echo"), Method: "POST", Body: []byte("payload"), Concurrency: 2})
	time.Sleep(300 * time.Millisecond) // load before the deploy
	_, events, err := d.deploy(deploy.Request{Source: sampleApp(t, "v2", "", socketMode)})
	if err != nil {
		t.Fatalf("deploy v2 in socket mode: %v\nevents: %+v", err, events)
	}
	time.Sleep(300 * time.Millisecond)
	switched := eventTime(t, events, "switch", deploy.StepDone)
	for _, r := range stopLoad() {
		if r.Failed != 0 || r.Retries != 0 {
			t.Errorf("%s: want no failed and no re-sent request", r)
		}
		var after int
		for _, s := range r.Samples {
			if s.Start.After(switched) {
				after++
				if s.Version != "v2" {
					t.Errorf("request started after the switch: got %s, want v2", s.Version)
				}
			}
		}
		if after == 0 {
			t.Errorf("no request started after the switch: the load did not cover the deploy")
		}
	}
	if st, err := d.client.Status(context.Background()); err != nil || st.InFlight != 0 {
		t.Errorf("status: got %+v, %v; want nothing in flight on the proxy", st, err)
	}
}
