package apps

import (
	"strings"
	"testing"
)

// TestRunEnvWithoutRelease: there is nothing to run in before the first deploy, and it says so.
func TestRunEnvWithoutRelease(t *testing.T) {
	s, _ := testSet(t, t.TempDir())
	blog, err := s.Create("blog", Settings{Hosts: []string{"blog.test"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := blog.RunEnv(); err == nil || !strings.Contains(err.Error(), "deploy one first") {
		t.Fatalf("RunEnv before a release: %v", err)
	}
}
