package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cutover-dev/cutover/internal/gitpush"
)

// TestGitAppChoice: `cutover git` finds the app's repository without a daemon, from the state
// directory alone, and says what to do when no app or several match, or the app has no repository
// yet (the daemon makes them; the CLI never writes a hook).
func TestGitAppChoice(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	for _, tc := range []struct {
		name string
		apps []string
		args []string
		want string
		ok   bool
	}{
		{"the only app", []string{"blog"}, nil, "deploys:    main", true},
		{"named", []string{"blog", "api"}, []string{"--app", "api"}, "app:        api", true},
		{"no app", nil, nil, "no such app", false},
		{"several", []string{"blog", "api"}, nil, "name one with --app", false},
		{"unknown", []string{"blog"}, []string{"--app", "shop"}, `no such app "shop"`, false},
		{"no repository", []string{"-blog"}, nil, "no git repository yet", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("CUTOVER_APP", "")
			state := t.TempDir()
			for _, a := range tc.apps {
				// A name with a leading "-" is an app whose repository the daemon has not made.
				name, repo := strings.TrimPrefix(a, "-"), !strings.HasPrefix(a, "-")
				dir := filepath.Join(state, "apps", name)
				if err := os.MkdirAll(dir, 0o700); err != nil {
					t.Fatal(err)
				}
				if repo {
					if err := gitpush.Init(t.Context(), dir, state, name, "/usr/bin/cutover"); err != nil {
						t.Fatal(err)
					}
				}
			}
			var out, errOut strings.Builder
			code := Run(append([]string{"git", "--state", state}, tc.args...), &out, &errOut)
			if (code == 0) != tc.ok || !strings.Contains(out.String()+errOut.String(), tc.want) {
				t.Errorf("got exit %d, %q %q; want ok=%v and %q", code, out.String(), errOut.String(), tc.ok, tc.want)
			}
		})
	}
}

// TestGitReceivePackRefusesShell: the forced command runs no command but a push.
func TestGitReceivePackRefusesShell(t *testing.T) {
	t.Setenv("SSH_ORIGINAL_COMMAND", "sh -c id")
	var out, errOut strings.Builder
	if code := Run([]string{"git-receive-pack", "--state", t.TempDir()}, &out, &errOut); code == 0 || !strings.Contains(errOut.String(), "only pushes to deploy") {
		t.Errorf("got exit %d, %q; want it refused", code, errOut.String())
	}
}
