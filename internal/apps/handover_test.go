package apps

import (
	"os"
	"testing"
)

// TestAdoptFile: an app's handed-over files are named after it; a daemon from before apps named
// its one app's files without a prefix.
func TestAdoptFile(t *testing.T) {
	files := map[string]*os.File{"blog/web.1.stdout": os.Stdout, "web.1.stdout": os.Stderr}
	lookup := func(name string) *os.File { return files[name] }
	if got := AdoptFile(lookup, "blog", false)("web.1.stdout"); got != os.Stdout {
		t.Errorf("apps layout: got %v, want blog's file", got)
	}
	if got := AdoptFile(lookup, "blog", true)("web.1.stdout"); got != os.Stderr {
		t.Errorf("legacy: got %v, want the unprefixed file", got)
	}
	if got := AdoptFile(lookup, "api", false)("web.1.stdout"); got != nil {
		t.Errorf("another app's file: got %v, want none", got)
	}
}
