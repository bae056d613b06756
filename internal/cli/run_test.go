package cli

import (
	"bytes"
	"strings"
	"testing"
)

// TestRunNeedsADaemon: run asks the daemon where the live release is, and says when none answers
// (the rest is in testdata/script/run.txtar, against a real daemon).
func TestRunNeedsADaemon(t *testing.T) {
	var out, errs bytes.Buffer
	code := Run([]string{"--state", t.TempDir(), "run", "--", "true"}, &out, &errs)
	if code == 0 || !strings.Contains(errs.String(), "no cutover daemon") {
		t.Fatalf("exit %d, stderr %q: want it to say no daemon answers", code, errs.String())
	}
	if code := Run([]string{"run"}, &out, &errs); code == 0 {
		t.Fatal("run with no command succeeded")
	}
}
