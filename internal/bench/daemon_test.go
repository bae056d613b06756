package bench

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteSampleApps(t *testing.T) {
	dirs, err := writeSampleApps(t.TempDir(), "/opt/it's here/cutover", "v1", "v2")
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) != 2 {
		t.Fatalf("got %d apps, want 2", len(dirs))
	}
	for i, v := range []string{"v1", "v2"} {
		b, err := os.ReadFile(filepath.Join(dirs[i], "Procfile"))
		if err != nil {
			t.Fatal(err)
		}
		want := `web: '/opt/it'\''s here/cutover' sample-app --version ` + v + "\n"
		if string(b) != want {
			t.Errorf("got Procfile %q, want %q", b, want)
		}
		if !strings.HasSuffix(dirs[i], "app-"+v) {
			t.Errorf("got app dir %s, want it named for %s", dirs[i], v)
		}
	}
}
