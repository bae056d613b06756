package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeConfig(t *testing.T, text string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, FileName), []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestReadWarnings(t *testing.T) {
	for _, tc := range []struct {
		name, toml string
		want       []string // one per warning, in order
	}{
		{"setting after [env]", "health_path = \"/up\"\n\n[env]\nRAILS_ENV = \"production\"\n# comment\nmode = \"socket\"\n",
			[]string{"cutover.toml line 6: mode is inside [env], so it is an environment variable, not a setting: move it above [env]"}},
		{"timeout after [env]", "[env]\n  boot_timeout = \"60s\"\n",
			[]string{"cutover.toml line 2: boot_timeout is inside [env]"}},
		{"PORT in [env]", "[scale]\nweb = 2\n[env]\nPORT = \"3000\"\n",
			[]string{"cutover.toml line 4: PORT in [env] is ignored for web processes: cutover gives each its own $PORT"}},
		{"clean", "mode = \"socket\"\n[env]\nMODE = \"x\"\n", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Read(writeConfig(t, tc.toml))
			if err != nil {
				t.Fatal(err)
			}
			if len(f.Warnings) != len(tc.want) {
				t.Fatalf("got %d warnings %v, want %d", len(f.Warnings), f.Warnings, len(tc.want))
			}
			for i, w := range f.Warnings {
				if !strings.HasPrefix(w.String(), tc.want[i]) {
					t.Errorf("got %q, want it to start with %q", w, tc.want[i])
				}
			}
		})
	}
}

func TestReadUnknownSettingNamesItsLine(t *testing.T) {
	for _, tc := range []struct{ name, text, want string }{
		{"a key", "mode = \"proxy\"\n\nhealth_pth = \"/health\"\n", `cutover.toml line 3: unknown setting "health_pth"`},
		{"a table", "[env]\nA = \"1\"\n[bogus]\nx = 1\n", `cutover.toml line 3: unknown setting "bogus"`},
		{"an array of tables", "mode = \"proxy\"\n[[jobs]]\nname = \"a\"\n", `cutover.toml line 2: unknown setting "jobs"`},
		{"a dotted key", "\nbogus.x.y = 1\n", `cutover.toml line 2: unknown setting "bogus.x.y"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Read(writeConfig(t, tc.text))
			if err == nil {
				t.Fatalf("got %+v, want an error", f)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %q, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestReadLines(t *testing.T) {
	f, err := Read(writeConfig(t, "mode = \"proxy\"\n[scale]\n\"web\" = 2\nworker=1\n[env]\nA = \"1\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		table, key string
		want       int
	}{{"", "mode", 1}, {"scale", "web", 3}, {"scale", "worker", 4}, {"env", "A", 6}, {"env", "B", 0}} {
		if got := f.Line(tc.table, tc.key); got != tc.want {
			t.Errorf("Line(%q, %q): got %d, want %d", tc.table, tc.key, got, tc.want)
		}
	}
}

// A key spelled with escapes is still placed on its line (the fuzzer found "line 0" for one).
func TestReadUnknownEscapedKeyNamesItsLine(t *testing.T) {
	dir := t.TempDir()
	in := "mode = \"proxy\"\n\n\"0\\u0030\" = 1\n"
	if err := os.WriteFile(filepath.Join(dir, FileName), []byte(in), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Read(dir)
	if err == nil || !strings.Contains(err.Error(), "line 3:") || !strings.Contains(err.Error(), `"00"`) {
		t.Fatalf("got %v, want line 3 and the key \"00\"", err)
	}
}

// [migrations] check_database is read, and an unknown key there lists it among the known ones.
func TestReadCheckDatabase(t *testing.T) {
	f, err := Read(writeConfig(t, "[migrations]\ncheck_database = \"postgres://u:p@db:5432/postgres\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := f.Config.Migrations.CheckDatabase, "postgres://u:p@db:5432/postgres"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	merged := Defaults().Merge(f.Config).Merge(Config{})
	if merged.Migrations.CheckDatabase != f.Config.Migrations.CheckDatabase || merged.Migrations.PreDir != DefaultPreMigrateDir {
		t.Errorf("merge: got %+v, want check_database kept and the default pre folder", merged.Migrations)
	}
	_, err = Read(writeConfig(t, "[migrations]\ncheck_db = \"postgres://db\"\n"))
	if err == nil || !strings.Contains(err.Error(), `line 2: unknown setting "migrations.check_db"`) ||
		!strings.Contains(err.Error(), "check_database") {
		t.Errorf("got %v, want line 2 named and check_database among the known settings", err)
	}
}
