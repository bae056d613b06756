package cli

import (
	"bytes"
	"strings"
	"testing"
)

// TestPromoteNeedsADaemon: promote asks the daemon, and says when none answers (a promote during a
// bake is tested on a real daemon: internal/daemon TestPromoteAndRollbackDuringBake).
func TestPromoteNeedsADaemon(t *testing.T) {
	var out, errs bytes.Buffer
	code := Run([]string{"--state", t.TempDir(), "promote"}, &out, &errs)
	if code == 0 || !strings.Contains(errs.String(), "no cutover daemon") {
		t.Fatalf("exit %d, stderr %q: want it to say no daemon answers", code, errs.String())
	}
}
