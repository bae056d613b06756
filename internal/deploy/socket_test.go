package deploy_test

import (
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/cutover-dev/cutover/internal/deploy"
	"github.com/cutover-dev/cutover/internal/socket"
)

// TestSocketMode: a socket-mode release's web process inherits the public socket under the systemd
// protocol and serves it, the proxy stops accepting there at its switch, and starts again at the
// switch to a proxy-mode release.
func TestSocketMode(t *testing.T) {
	f := newFixture(t)
	shared, err := socket.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer shared.Close()
	var accepts []bool
	f.d.Socket = shared
	f.d.ProxyAccepts = func(on bool) error { accepts = append(accepts, on); return nil }

	v1 := f.app("web: cutover sample-app --version v1\n")
	os.WriteFile(filepath.Join(v1, "cutover.toml"), []byte("mode = \"socket\"\n"), 0o644)
	_, live, events, err := f.run(deploy.Request{Source: v1}, nil)
	if err != nil {
		t.Fatalf("deploy v1: %v\n%+v", err, events)
	}
	if got := versionAt(t, shared.DialAddr()); got != "v1" {
		t.Errorf("on the public socket: got %s, want v1", got)
	}
	pid := live.Processes()[0].Pid
	env := environ(t, pid)
	for _, want := range []string{"LISTEN_FDS=1", "LISTEN_FDNAMES=http", "LISTEN_PID=" + strconv.Itoa(pid)} {
		if !slices.Contains(env, want) {
			t.Errorf("web.1's environment lacks %s: %q", want, env)
		}
	}
	if !slices.ContainsFunc(env, func(kv string) bool { return strings.HasPrefix(kv, "NOTIFY_SOCKET=@cutover/") }) {
		t.Errorf("web.1 got no NOTIFY_SOCKET of cutover's: %q", env)
	}

	_, _, _, err = f.run(deploy.Request{Source: f.app("web: cutover sample-app --version v2\n")}, live)
	if err != nil {
		t.Fatalf("deploy v2 in proxy mode: %v", err)
	}
	if got := f.version(); got != "v2" {
		t.Errorf("through the proxy: got %s, want v2", got)
	}
	if !slices.Equal(accepts, []bool{false, true}) {
		t.Errorf("proxy accepting at each switch: got %v, want [false true]", accepts)
	}
}

// TestSocketModeNeedsTheDaemonsSocket: without a public socket, socket mode is refused with a reason.
func TestSocketModeNeedsTheDaemonsSocket(t *testing.T) {
	f := newFixture(t)
	app := f.app("web: cutover sample-app\n")
	os.WriteFile(filepath.Join(app, "cutover.toml"), []byte("mode = \"socket\"\n"), 0o644)
	if _, _, _, err := f.run(deploy.Request{Source: app}, nil); err == nil || !strings.Contains(err.Error(), "public socket") {
		t.Errorf("got %v, want a refusal that names the public socket", err)
	}
}

func versionAt(t *testing.T, addr string) string {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.Header.Get("X-App-Version")
}

func environ(t *testing.T, pid int) []string {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/environ")
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(string(b), "\x00")
}
