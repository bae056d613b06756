package deploy

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cutover-dev/cutover/internal/config"
	"github.com/cutover-dev/cutover/internal/release"
)

func TestDatabaseURL(t *testing.T) {
	tests := []struct {
		name   string
		cfgEnv map[string]string
		daemon []string
		want   string
	}{
		{"from the daemon", nil, []string{"DATABASE_URL=postgres://d"}, "postgres://d"},
		{"cutover.toml wins", map[string]string{"DATABASE_URL": "postgres://app"}, []string{"DATABASE_URL=postgres://d"}, "postgres://app"},
		{"none", nil, []string{"HOME=/root"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &run{d: &Deployer{Env: tt.daemon}, cfg: config.Config{Env: tt.cfgEnv}}
			if got := r.databaseURL(); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestPendingNeedsDatabaseURL: an app with migrations but no DATABASE_URL is refused with what to set.
func TestPendingNeedsDatabaseURL(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "db/migrate"), 0o755)
	os.WriteFile(filepath.Join(dir, "db/migrate/001.sql"), []byte("SELECT 1;"), 0o644)
	r := &run{d: &Deployer{}, rel: &release.Release{Dir: dir}, cfg: config.Defaults()}
	_, err := r.pending(context.Background())
	if err == nil || !strings.Contains(err.Error(), "DATABASE_URL is not set") {
		t.Errorf("got %v, want an error saying to set DATABASE_URL", err)
	}
	// Without migration files, nothing is needed.
	r.rel.Dir = t.TempDir()
	if files, err := r.pending(context.Background()); err != nil || files != nil {
		t.Errorf("no migrations: got %v, %v", files, err)
	}
}
