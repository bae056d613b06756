package config

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var lineRE = regexp.MustCompile(`line (\d+)`)

// FuzzRead: whatever cutover.toml holds, Read either refuses it with an error that names a line of
// the file (1 up to its last line), or returns settings whose merge with the defaults has only positive timeouts, and a
// mode and health path Validate accepts or refuses with a message.
func FuzzRead(f *testing.F) {
	for _, seed := range []string{
		"mode = \"socket\"\nhealth_path = \"/up\"\nboot_timeout = \"30s\"\n",
		"[env]\nDATABASE_URL = \"postgres://u:p@h/db\"\nmode = \"socket\"\n",
		"[scale]\nweb = 0\nworker = 2\n",
		"boot_timeout = -5\n",
		"boot_timeout = \"-1s\"\n",
		"drain_timeout = \"0s\"\n",
		"[migrations]\npre = \"db/migrate\"\npost = \"db/post_migrate\"\n",
		"[migrations]\ncheck_database = \"postgres://u:p@127.0.0.1/postgres\"\n",
		"bogus = 1\n",
		"[scale]\nweb = 99999999999999999999\n",
		"[env]\nA = \"1\"\n[bogus]\nx = 1\n",
		"[[jobs]]\nname = \"a\"\n",
		"bogus.x.y = 1\n",
		"health_interval = \"1ns\"\n[env]\nPORT = \"1\"\n",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, FileName), []byte(in), 0o600); err != nil {
			t.Fatal(err)
		}
		file, err := Read(dir)
		if err != nil {
			lines := strings.Count(in, "\n") + 1
			m := lineRE.FindStringSubmatch(err.Error())
			if m == nil {
				t.Fatalf("error names no line: %v", err)
			}
			if n, _ := strconv.Atoi(m[1]); n < 1 || n > lines {
				t.Fatalf("error names line %d of a %d-line file: %v", n, lines, err)
			}
			return
		}
		cfg := Defaults().Merge(file.Config)
		for name, d := range map[string]Duration{
			"health_interval": cfg.HealthInterval, "release_timeout": cfg.ReleaseTimeout,
			"boot_timeout": cfg.BootTimeout, "drain_timeout": cfg.DrainTimeout, "stop_timeout": cfg.StopTimeout,
		} {
			if d <= 0 {
				t.Fatalf("accepted %s = %v", name, d)
			}
		}
		if err := cfg.Validate(); err == nil {
			if cfg.Mode != ModeProxy && cfg.Mode != ModeSocket || !strings.HasPrefix(cfg.HealthPath, "/") {
				t.Fatalf("Validate accepted mode %q, health_path %q", cfg.Mode, cfg.HealthPath)
			}
		} else if err.Error() == "" {
			t.Fatal("Validate refused with no message")
		}
	})
}
