package deploy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cutover-dev/cutover/internal/config"
)

func TestCheckApp(t *testing.T) {
	const procs = "web: ./server\nworker: ./work\nrelease: ./migrate\n"
	for _, tc := range []struct {
		name, toml string
		flags      map[string]int
		wantErr    string
		want       []string
	}{
		{name: "web = 0 in the file is refused with its line", toml: "[scale]\nweb = 0\n",
			wantErr: "cutover.toml line 2: [scale] web = 0: web must run at least 1 process"},
		{name: "--scale web=0 is refused", flags: map[string]int{"web": 0},
			wantErr: "--scale web=0"},
		{name: "workers may be 0", toml: "[scale]\nworker = 0\n"},
		{name: "a type the Procfile lacks", toml: "[scale]\nweb = 1\nwrker = 2\n",
			want: []string{`cutover.toml line 3: [scale] wrker is ignored: the Procfile has no "wrker" process (it has [web worker])`}},
		{name: "the release command", flags: map[string]int{"release": 2},
			want: []string{"--scale release=2", "is ignored: the release command runs once per deploy"}},
		{name: "the build command", toml: "[scale]\nbuild = 2\n",
			want: []string{"cutover.toml line 2: [scale] build is ignored: the build command runs once per deploy"}},
		{name: "setting inside [env]", toml: "[env]\nmode = \"socket\"\n",
			want: []string{"cutover.toml line 2: mode is inside [env]"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "Procfile"), []byte(procs), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, config.FileName), []byte(tc.toml), 0o600); err != nil {
				t.Fatal(err)
			}
			over := config.Config{Scale: tc.flags}
			pf, cfg, file, err := loadApp(dir, over)
			if err != nil {
				t.Fatal(err)
			}
			warnings, err := checkApp(pf, cfg, file, over)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got error %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := strings.Join(warnings, "\n")
			if len(tc.want) == 0 && got != "" {
				t.Errorf("got warnings %q, want none", got)
			}
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("got warnings %q, want one containing %q", got, w)
				}
			}
		})
	}
}
