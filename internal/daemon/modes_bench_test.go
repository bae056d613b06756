package daemon_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cutover-dev/cutover/internal/freeport"
	"github.com/cutover-dev/cutover/internal/loadgen"
)

// TestModesBenchmark measures requests per second and p99 latency of each server in socketApps
// three ways in one run, under the same closed-loop keep-alive load: the app alone on its own port,
// behind cutover's proxy, and in socket mode, where cutover is not on the path. The three run side
// by side and are measured in turns, several rounds, so that a busy moment of the machine does not
// fall on one mode only; it prints the median figures and their ratios to the app alone, and asserts
// nothing about them. Without CUTOVER_BENCH=1 it runs briefly and checks only that every request
// succeeds; set it to measure (CUTOVER_BENCH_SECONDS, _ROUNDS and
// _CONCURRENCY change the load).
func TestModesBenchmark(t *testing.T) {
	load := loadgen.Options{Duration: 2 * time.Second, Concurrency: 8}
	rounds := 3
	if os.Getenv("CUTOVER_BENCH") == "" {
		// In the suite, a short run that checks only that every app answers in every mode with no
		// failure; the figures mean nothing at this length.
		load, rounds = loadgen.Options{Duration: 300 * time.Millisecond, Concurrency: 2}, 1
	}
	for name, dst := range map[string]*int{"CUTOVER_BENCH_ROUNDS": &rounds, "CUTOVER_BENCH_CONCURRENCY": &load.Concurrency} {
		if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
			*dst = v
		}
	}
	if v, err := strconv.Atoi(os.Getenv("CUTOVER_BENCH_SECONDS")); err == nil && v > 0 {
		load.Duration = time.Duration(v) * time.Second
	}
	modes := []string{"alone", "proxy", "socket"}
	var table strings.Builder
	fmt.Fprintf(&table, "%d connections, median of %d rounds of %s:\n%-11s %-7s %10s %9s %9s %9s\n",
		load.Concurrency, rounds, load.Duration, "app", "mode", "req/s", "p99", "req/s ×", "p99 ×")
	for _, tt := range socketApps {
		if _, err := exec.LookPath(tt.need); tt.need != "" && err != nil {
			t.Fatalf("%s is not installed: scripts/test installs it from Debian's packages", tt.need)
		}
		app := tt.app(t, "v1")
		urls := map[string]string{}
		for _, mode := range modes {
			urls[mode] = modeURL(t, app, mode)
		}
		rps, p99 := map[string][]float64{}, map[string][]float64{}
		for range rounds {
			for _, mode := range modes {
				o := load
				o.URL = urls[mode]
				r, err := loadgen.Run(context.Background(), o)
				if err != nil {
					t.Fatalf("%s %s: %v", tt.name, mode, err)
				}
				if r.Failed > 0 || r.Sent == 0 {
					t.Errorf("%s %s: %s; want requests sent and none failed", tt.name, mode, r)
				}
				rps[mode] = append(rps[mode], float64(r.Sent)/load.Duration.Seconds())
				p99[mode] = append(p99[mode], float64(r.P99))
			}
		}
		for _, mode := range modes {
			r, p := median(rps[mode]), median(p99[mode])
			fmt.Fprintf(&table, "%-11s %-7s %10.0f %9s %9.2f %9.2f\n", tt.name, mode, r,
				time.Duration(p).Round(10*time.Microsecond), r/median(rps["alone"]), p/median(p99["alone"]))
		}
	}
	t.Logf("requests per second and p99 latency, and their ratios to the app alone\n%s", table.String())
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

// modeURL runs app as mode asks and returns the URL to load it at.
func modeURL(t *testing.T, app, mode string) string {
	t.Helper()
	if mode == "alone" {
		return startAlone(t, app)
	}
	if mode == "proxy" {
		// The same app, with the proxy-mode default instead of its cutover.toml.
		if err := os.Remove(filepath.Join(app, "cutover.toml")); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		defer os.WriteFile(filepath.Join(app, "cutover.toml"), []byte(socketMode), 0o644)
	}
	d := startDaemon(t, filepath.Join(t.TempDir(), "state"), "")
	d.mustDeploy(app)
	return d.url("/")
}

// startAlone runs the app's web command on a port of its own, as its Procfile says, without cutover.
func startAlone(t *testing.T, app string) string {
	t.Helper()
	procfile, err := os.ReadFile(filepath.Join(app, "Procfile"))
	if err != nil {
		t.Fatal(err)
	}
	command, ok := strings.CutPrefix(strings.TrimSpace(string(procfile)), "web:")
	if !ok {
		t.Fatalf("no web command in %q", procfile)
	}
	port := strings.TrimPrefix(freeport.ForTest(t), "127.0.0.1:")
	cmd := exec.Command("/bin/bash", "-c", command)
	cmd.Dir = app
	cmd.Env = append(os.Environ(), "PORT="+port)
	// Its output goes to a file, as the daemon writes an app's output to its log.
	out, err := os.Create(filepath.Join(t.TempDir(), "app.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Wait()
	})
	url := "http://127.0.0.1:" + port + "/"
	waitFor(t, "the app alone to answer", func() bool {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
		}
		return err == nil
	})
	return url
}
