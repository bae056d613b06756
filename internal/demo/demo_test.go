package demo

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/cutover-dev/cutover/internal/loadgen"
	"github.com/cutover-dev/cutover/internal/sampleapp"
)

// TestMain lets the demo's apps run as `cutover sample-app`: this test binary, re-entered.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"cutover": func() {
		if len(os.Args) > 1 && os.Args[1] == "sample-app" {
			os.Exit(sampleapp.Main(os.Args[2:]))
		}
		os.Exit(2)
	}})
}

// TestRun runs the whole demo: four deploys under load, the broken one aborted, no request failed.
func TestRun(t *testing.T) {
	exe, err := exec.LookPath("cutover")
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	outcomes, err := Run(ctx, Options{Exe: exe, Out: &out})
	if err != nil {
		t.Fatalf("demo: %v\n%s", err, out.String())
	}
	want := []struct {
		release string
		failed  bool
	}{{"v1", false}, {"v2", false}, {"v3", true}, {"v4", false}}
	if len(outcomes) != len(want) {
		t.Fatalf("got %d outcomes, want %d", len(outcomes), len(want))
	}
	for i, o := range outcomes {
		if o.Release != want[i].release || (o.Err != nil) != want[i].failed {
			t.Errorf("deploy %d: got %s (err %v), want %s failed=%v", i, o.Release, o.Err, want[i].release, want[i].failed)
		}
		if i == 0 {
			continue
		}
		for _, l := range []struct {
			what string
			r    *loadgen.Result
		}{{"GETs", o.Load}, {"POSTs", o.Posts}} {
			if l.r == nil || l.r.Sent == 0 || l.r.Failed != 0 || l.r.Retries != 0 {
				t.Errorf("deploy %d: %s %v, want requests sent, none failed and none silently re-sent", i, l.what, l.r)
			}
		}
	}
	for _, s := range []string{"v3 aborted, as it should be", "not healthy within the boot timeout", "DEPLOY", "rollback to v1"} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("output lacks %q:\n%s", s, out.String())
		}
	}
}
