package gitpush

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cutover-dev/cutover/internal/deploy"
)

// commitApp makes a repository with one commit holding a Procfile, and returns it and the sha.
func commitApp(t *testing.T) (string, string) {
	t.Helper()
	dir := t.TempDir()
	run := func(args ...string) string {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@t", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@t")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	run("init", "-q", "-b", "main")
	os.WriteFile(filepath.Join(dir, "Procfile"), []byte("web: app\n"), 0o644)
	os.MkdirAll(filepath.Join(dir, "bin"), 0o755)
	os.WriteFile(filepath.Join(dir, "bin", "app"), []byte("#!/bin/sh\n"), 0o755)
	run("add", ".")
	run("commit", "-q", "-m", "First version")
	return dir, run("rev-parse", "HEAD")
}

// zeroSHA is the id git sends for a ref created or deleted in a SHA-1 repository.
var zeroSHA = strings.Repeat("0", 40)

func TestIsZero(t *testing.T) {
	for s, want := range map[string]bool{zeroSHA: true, strings.Repeat("0", 64): true, "": false, "0a": false} {
		if got := isZero(s); got != want {
			t.Errorf("isZero(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestHookRun(t *testing.T) {
	repo, sha := commitApp(t)
	deployErr := errors.New("boot timed out")
	for _, tc := range []struct {
		name     string
		updates  []Update
		fail     error
		deployed bool
		wantErr  error
		out      string
	}{
		{"deploy branch", []Update{{zeroSHA, sha, "refs/heads/main"}}, nil, true, nil, "deploying " + sha[:7] + " First version"},
		{"failed deploy", []Update{{zeroSHA, sha, "refs/heads/main"}}, deployErr, true, deployErr, ""},
		{"failed deploy with another branch", []Update{{zeroSHA, sha, "refs/heads/wip"}, {zeroSHA, sha, "refs/heads/main"}}, deployErr, true, deployErr, ""},
		{"other branch", []Update{{zeroSHA, sha, "refs/heads/wip"}}, nil, false, nil, "stored wip (only main deploys)"},
		{"delete deploy branch", []Update{{zeroSHA, sha, "refs/heads/wip"}, {sha, zeroSHA, "refs/heads/main"}}, nil, false, ErrDeleteBranch, ""},
		{"delete other branch", []Update{{sha, zeroSHA, "refs/heads/wip"}}, nil, false, nil, ""},
		{"delete deploy branch, SHA-256", []Update{{sha, strings.Repeat("0", 64), "refs/heads/main"}}, nil, false, ErrDeleteBranch, ""},
		{"tag", []Update{{zeroSHA, sha, "refs/tags/v1"}}, nil, false, nil, "stored v1 (only main deploys)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out strings.Builder
			var got *deploy.Request
			h := &Hook{Repo: repo, Branch: "main", Checkouts: filepath.Join(t.TempDir(), CheckoutsName), Out: &out,
				Deploy: func(ctx context.Context, req deploy.Request) error {
					got = &req
					if b, err := os.ReadFile(filepath.Join(req.Source, "Procfile")); err != nil || string(b) != "web: app\n" {
						t.Errorf("exported Procfile: got %q, %v", b, err)
					}
					if fi, err := os.Stat(filepath.Join(req.Source, "bin", "app")); err != nil || fi.Mode()&0o100 == 0 {
						t.Errorf("exported bin/app: not executable (%v)", err)
					}
					return tc.fail
				}}
			err := h.Run(t.Context(), tc.updates)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("got error %v, want %v", err, tc.wantErr)
			}
			if (got != nil) != tc.deployed {
				t.Fatalf("deployed: got %v, want %v", got != nil, tc.deployed)
			}
			if got != nil {
				if c := got.Commit; c == nil || c.SHA != sha || c.Subject != "First version" || c.Branch != "main" {
					t.Errorf("commit: got %+v", c)
				}
				if _, err := os.Stat(got.Source); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("the export %s is left after the deploy (%v)", got.Source, err)
				}
			}
			if tc.wantErr != nil && strings.Contains(out.String(), "stored") {
				t.Errorf("a rejected push said it stored refs: %q", out.String())
			}
			if !strings.Contains(out.String(), tc.out) {
				t.Errorf("output %q, want %q in it", out.String(), tc.out)
			}
		})
	}
}

func TestReadUpdates(t *testing.T) {
	us, err := ReadUpdates(strings.NewReader("a b refs/heads/main\n\nc d refs/heads/x\n"))
	if err != nil || len(us) != 2 || us[1] != (Update{"c", "d", "refs/heads/x"}) {
		t.Fatalf("got %+v, %v", us, err)
	}
	if _, err := ReadUpdates(strings.NewReader("a b\n")); err == nil {
		t.Fatal("a short line: got no error")
	}
}

func TestExportUnknownCommit(t *testing.T) {
	repo, _ := commitApp(t)
	if err := Export(t.Context(), repo, strings.Repeat("1", 40), t.TempDir()); err == nil {
		t.Fatal("got no error for a commit the repository lacks")
	}
}
