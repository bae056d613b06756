package demo

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// writeApps writes the three versions of the sample app the demo deploys and returns their dirs.
func writeApps(dir, exe string) ([]string, error) {
	app := shellQuote(exe) + " sample-app"
	versions := []struct {
		name, procfile, toml string
	}{
		{"v1", "web: " + app + " --version v1\n", ""},
		{"v2", "web: " + app + " --version v2\nrelease: echo 'release phase of v2: migrating (nothing to do)'\n", ""},
		{"v3", "web: " + app + " --version v3 --never-healthy\n", fmt.Sprintf("boot_timeout = %q\n", DefaultBootTimeout)},
	}
	var dirs []string
	for _, v := range versions {
		d := filepath.Join(dir, "app-"+v.name)
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(d, "Procfile"), []byte(v.procfile), 0o644); err != nil {
			return nil, err
		}
		if v.toml != "" {
			if err := os.WriteFile(filepath.Join(d, "cutover.toml"), []byte(v.toml), 0o644); err != nil {
				return nil, err
			}
		}
		dirs = append(dirs, d)
	}
	return dirs, nil
}

// shellQuote quotes s for /bin/sh.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
