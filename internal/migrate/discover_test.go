package migrate

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestDiscover(t *testing.T) {
	tests := []struct {
		name  string
		files []string
		cfg   func(cfg *Config)
		want  []string
	}{
		{
			name:  "ordered by name within each phase, pre first",
			files: []string{"db/post_migrate/002_z.sql", "db/migrate/010_c.sql", "db/migrate/002_b.sql", "db/post_migrate/001_y.sql", "db/migrate/001_a.sql"},
			want:  []string{"pre db/migrate/001_a.sql", "pre db/migrate/002_b.sql", "pre db/migrate/010_c.sql", "post db/post_migrate/001_y.sql", "post db/post_migrate/002_z.sql"},
		},
		{
			name: "no folders, no migrations",
		},
		{
			name:  "only a pre folder",
			files: []string{"db/migrate/001_a.sql"},
			want:  []string{"pre db/migrate/001_a.sql"},
		},
		{
			name:  "other files and subfolders are ignored",
			files: []string{"db/migrate/001_a.sql", "db/migrate/README.md", "db/migrate/old/000_x.sql", "db/migrate/002_b.sql.bak"},
			want:  []string{"pre db/migrate/001_a.sql"},
		},
		{
			name:  "folders the app declares",
			files: []string{"sql/expand/1.sql", "sql/contract/1.sql", "db/migrate/001_a.sql"},
			cfg:   func(cfg *Config) { cfg.PreDir, cfg.PostDir = "sql/expand", "sql/contract" },
			want:  []string{"pre sql/expand/1.sql", "post sql/contract/1.sql"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := Config{AppDir: t.TempDir()}
			for _, f := range tt.files {
				writeFile(t, cfg, f, "SELECT 1;")
			}
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			files, err := Discover(cfg)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range files {
				rel, _ := filepath.Rel(cfg.AppDir, f.Path)
				got = append(got, string(f.Phase)+" "+rel)
				if f.Applied || len(f.Checksum) != 64 {
					t.Errorf("got %+v, want not applied, with a SHA-256 checksum", f)
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestDiscoverUnreadableFolder(t *testing.T) {
	cfg := Config{AppDir: t.TempDir()}
	// A file where the folder should be is an error, unlike a missing folder.
	writeFile(t, cfg, "db/migrate", "not a folder")
	if _, err := Discover(cfg); err == nil {
		t.Error("got nil, want an error for db/migrate being a file")
	}
}

func TestChecksumFollowsContents(t *testing.T) {
	cfg := Config{AppDir: t.TempDir()}
	writeFile(t, cfg, "db/migrate/001_a.sql", "SELECT 1;")
	before, err := Discover(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(before[0].Path, []byte("SELECT 2;"), 0o644); err != nil {
		t.Fatal(err)
	}
	after, err := Discover(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if before[0].Checksum == after[0].Checksum {
		t.Errorf("got the same checksum %s after a change, want a different one", after[0].Checksum)
	}
}
