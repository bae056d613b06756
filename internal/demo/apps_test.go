package demo

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteApps(t *testing.T) {
	dirs, err := writeApps(t.TempDir(), "/usr/bin/cutover")
	if err != nil || len(dirs) != 3 {
		t.Fatalf("got %v, %v", dirs, err)
	}
	pf, _ := os.ReadFile(filepath.Join(dirs[1], "Procfile"))
	if !strings.Contains(string(pf), "release:") || !strings.Contains(string(pf), "'/usr/bin/cutover' sample-app --version v2") {
		t.Errorf("v2 Procfile: %s", pf)
	}
	if _, err := os.Stat(filepath.Join(dirs[2], "cutover.toml")); err != nil {
		t.Errorf("v3 needs a short boot timeout: %v", err)
	}
}

func TestShellQuote(t *testing.T) {
	if got := shellQuote("/tmp/it's here/cutover"); got != `'/tmp/it'\''s here/cutover'` {
		t.Errorf("got %s", got)
	}
}
