package acmetest

import (
	"os"
	"path/filepath"
	"testing"
)

func TestFindBinaries(t *testing.T) {
	if testing.Short() {
		t.Skip("acmetest: skipped in -short mode: it may build Pebble")
	}
	b, err := findBinaries()
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{b.pebble, b.challtestsrv,
		filepath.Join(b.pebbleDir, "test", "certs", "pebble.minica.pem")} {
		if _, err := os.Stat(path); err != nil {
			t.Errorf("got %v, want an existing file", err)
		}
	}
}
