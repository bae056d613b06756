package pgtest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeBin writes executable stand-ins for the named programs into dir.
func fakeBin(t *testing.T, dir string, names ...string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

func TestFindBinaries(t *testing.T) {
	all := []string{"initdb", "pg_ctl", "postgres"}
	tests := []struct {
		name    string
		setup   func(t *testing.T, pathDir, root string)
		wantDir string // relative to root, or "PATH"
		wantErr []string
	}{
		{
			name:    "nothing installed",
			setup:   func(*testing.T, string, string) {},
			wantErr: []string{"initdb", "apt-get install postgresql"},
		},
		{
			name: "highest version under the install root",
			setup: func(t *testing.T, _, root string) {
				fakeBin(t, filepath.Join(root, "9.6", "bin"), all...)
				fakeBin(t, filepath.Join(root, "15", "bin"), all...)
				fakeBin(t, filepath.Join(root, "16", "bin"), all...)
			},
			wantDir: "16/bin",
		},
		{
			name: "PATH wins over the install root",
			setup: func(t *testing.T, pathDir, root string) {
				fakeBin(t, pathDir, all...)
				fakeBin(t, filepath.Join(root, "16", "bin"), all...)
			},
			wantDir: "PATH",
		},
		{
			name: "pg_ctl missing beside initdb",
			setup: func(t *testing.T, _, root string) {
				fakeBin(t, filepath.Join(root, "15", "bin"), "initdb", "postgres")
			},
			wantErr: []string{"pg_ctl is missing", "apt-get install postgresql"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pathDir, root := t.TempDir(), t.TempDir()
			t.Setenv("PATH", pathDir)
			tt.setup(t, pathDir, root)
			b, err := findBinaries(root)
			if len(tt.wantErr) > 0 {
				if err == nil {
					t.Fatalf("got binaries %+v, want an error", b)
				}
				for _, want := range tt.wantErr {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("got error %q, want it to mention %q", err, want)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := filepath.Join(root, tt.wantDir)
			if tt.wantDir == "PATH" {
				want = pathDir
			}
			if got := filepath.Dir(b.initdb); got != want {
				t.Errorf("got initdb in %s, want %s", got, want)
			}
			if got := filepath.Dir(b.pgCtl); got != want {
				t.Errorf("got pg_ctl in %s, want %s", got, want)
			}
		})
	}
}
