package apps

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cutover-dev/cutover/internal/config"
	"github.com/cutover-dev/cutover/internal/control"
)

// TestTrafficSurvivesReopen: pause and maintenance are saved in the app's settings before they
// take effect, and a daemon that opens the app again (a restart, an upgrade) applies them; resume
// and maintenance off are saved the same way.
func TestTrafficSurvivesReopen(t *testing.T) {
	state := t.TempDir()
	s, url := testSet(t, state)
	a, err := s.Create("blog", Settings{Hosts: []string{"blog.test"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Pause(control.PauseRequest{Timeout: config.Duration(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	tr, err := a.Maintenance(control.MaintenanceRequest{On: true, Message: "back at five", Allow: []string{"127.0.0.2, 10.0.0.0/8"}})
	if err != nil {
		t.Fatal(err)
	}
	if !tr.Paused || !tr.Maintenance || !slices.Equal(tr.Allow, []string{"127.0.0.2/32", "10.0.0.0/8"}) || tr.Page != "built-in" {
		t.Errorf("got %+v, want paused, in maintenance, allowing 127.0.0.2/32 and 10.0.0.0/8, built-in page", tr)
	}
	if status, body := getHost(t, url, "blog.test"); status != http.StatusServiceUnavailable || !strings.Contains(body, "back at five") {
		t.Errorf("a client not allowed: got %d %q, want 503 with the message", status, body)
	}

	s2, _ := testSet(t, state) // as a new daemon opens the state directory
	b, err := s2.Get("blog")
	if err != nil {
		t.Fatal(err)
	}
	if paused, _ := b.Site().Paused(); !paused || !b.Site().InMaintenance() {
		t.Errorf("reopened: got paused %v, maintenance %v; want both", paused, b.Site().InMaintenance())
	}
	if got := b.Traffic(); got.PausedSince != tr.PausedSince || time.Duration(got.PauseTimeout) != time.Minute || got.Message != "back at five" {
		t.Errorf("reopened: got %+v, want what was saved (%+v)", got, tr)
	}
	if _, err := b.Resume(); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Maintenance(control.MaintenanceRequest{}); err != nil {
		t.Fatal(err)
	}
	st, err := ReadSettings(b.Dir())
	if err != nil || st.Paused != nil || st.Maintenance != nil {
		t.Errorf("after resume and maintenance off: saved %+v, %v; want neither", st, err)
	}
}

// TestMaintenanceRefusals: bad addresses are refused with what to type, and nothing is saved.
func TestMaintenanceRefusals(t *testing.T) {
	tests := []struct {
		allow []string
		err   string
	}{
		{[]string{"10.0.0.0/33"}, `allow "10.0.0.0/33": not an address or network`},
		{[]string{"localhost"}, "such as 203.0.113.7 or 10.0.0.0/8"},
	}
	s, _ := testSet(t, t.TempDir())
	a, err := s.Create("blog", Settings{Hosts: []string{"blog.test"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.allow, ","), func(t *testing.T) {
			if _, err := a.Maintenance(control.MaintenanceRequest{On: true, Allow: tt.allow}); err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("got %v, want an error saying %q", err, tt.err)
			}
			if st, _ := ReadSettings(a.Dir()); st.Maintenance != nil || a.Site().InMaintenance() {
				t.Errorf("saved or applied a refused maintenance: %+v", st.Maintenance)
			}
		})
	}
	if _, err := a.Pause(control.PauseRequest{Timeout: config.Duration(-time.Second)}); err == nil {
		t.Errorf("a negative pause timeout: got no error")
	}
}

// TestMaintenancePageOfRelease: the live release's public/503.html is the page, when it has one.
func TestMaintenancePageOfRelease(t *testing.T) {
	s, url := testSet(t, t.TempDir())
	a, err := s.Create("blog", Settings{Hosts: []string{"blog.test"}})
	if err != nil {
		t.Fatal(err)
	}
	src := t.TempDir()
	if err := os.MkdirAll(filepath.Join(src, "public"), 0o755); err != nil {
		t.Fatal(err)
	}
	const page = "<h1>Blog is being upgraded</h1>\n"
	if err := os.WriteFile(filepath.Join(src, "public", "503.html"), []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	rel, err := a.store.Create(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.store.SetLive(rel.ID); err != nil {
		t.Fatal(err)
	}
	tr, err := a.Maintenance(control.MaintenanceRequest{On: true})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(tr.Page, filepath.Join("public", "503.html")) {
		t.Errorf("page: got %q, want the release's public/503.html", tr.Page)
	}
	if status, body := getHost(t, url, "blog.test"); status != http.StatusServiceUnavailable || body != page {
		t.Errorf("got %d %q, want 503 with the release's page", status, body)
	}
}

// getHost gets url/ for host and returns the status and body.
func getHost(t *testing.T, url, host string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url+"/", nil)
	req.Host = host
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestMaintenanceUnsaved: maintenance that cannot be saved (a full disk, when it is wanted most)
// takes effect all the same, and the answer says why it was not saved.
func TestMaintenanceUnsaved(t *testing.T) {
	s, url := testSet(t, t.TempDir())
	a, err := s.Create("blog", Settings{Hosts: []string{"blog.test"}})
	if err != nil {
		t.Fatal(err)
	}
	settings := filepath.Join(a.Dir(), SettingsFile) // a directory in its place: no write replaces it, even as root
	if err := os.Remove(settings); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(settings, "in-the-way"), 0o700); err != nil {
		t.Fatal(err)
	}
	tr, err := a.Maintenance(control.MaintenanceRequest{On: true, Message: "disk full"})
	if err != nil || !tr.Maintenance || !strings.Contains(tr.Unsaved, "write the app's settings") {
		t.Fatalf("got %+v, %v; want maintenance on, saying it was not saved", tr, err)
	}
	if status, body := getHost(t, url, "blog.test"); status != http.StatusServiceUnavailable || !strings.Contains(body, "disk full") {
		t.Errorf("got %d %q, want the maintenance page", status, body)
	}
	if tr, err := a.Maintenance(control.MaintenanceRequest{}); err != nil || tr.Maintenance || tr.Unsaved == "" {
		t.Errorf("off: got %+v, %v; want it off, saying it was not saved", tr, err)
	}
}
