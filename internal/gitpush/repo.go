package gitpush

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// Names and defaults of an app's repository.
const (
	// RepoName is the bare repository's directory in the app's directory.
	RepoName = "repo.git"
	// CheckoutsName is the directory in the app's directory where the hook exports pushed commits,
	// each into a fresh directory removed once its deploy has ended.
	CheckoutsName = "checkouts"
	// DefaultBranch is the branch whose pushes deploy when the repository sets none.
	DefaultBranch = "main"
	// BranchKey is the git config key, in the app's repository, naming the branch that deploys.
	BranchKey = "cutover.branch"
	// DefaultGitTimeout bounds each git command cutover runs on an app's repository (init, config,
	// log, archive): a repository that takes longer is broken, not busy.
	DefaultGitTimeout = 5 * time.Minute
)

// ErrNoGit is returned when git is not installed: pushing to deploy needs it on the server.
var ErrNoGit = errors.New("git is not installed: install it (apt-get install git) to deploy with git push")

// RepoDir is the bare repository of the app whose directory is appDir.
func RepoDir(appDir string) string { return filepath.Join(appDir, RepoName) }

// Init makes the app's bare repository in appDir if it has none, and writes its pre-receive hook
// to run the cutover binary exe for app of the state directory stateDir (rewriting a hook that
// names another binary, as after an upgrade to a binary at another path). It is safe to call
// again: the repository's refs and objects are left as they are.
func Init(ctx context.Context, appDir, stateDir, app, exe string) error {
	if _, err := exec.LookPath("git"); err != nil {
		return ErrNoGit
	}
	repo := RepoDir(appDir)
	if _, err := os.Stat(filepath.Join(repo, "HEAD")); errors.Is(err, os.ErrNotExist) {
		if _, err := git(ctx, "", "init", "--quiet", "--bare", "--shared=0600", "--initial-branch="+DefaultBranch, repo); err != nil {
			return fmt.Errorf("make the app's git repository: %w", err)
		}
	} else if err != nil {
		return fmt.Errorf("the app's git repository %s: %w", repo, err)
	}
	// A shared repository refuses force pushes by default (git init --shared sets
	// receive.denyNonFastforwards); cutover allows them, as Heroku does. Set on repositories made
	// before, too.
	if _, err := git(ctx, repo, "config", "receive.denyNonFastforwards", "false"); err != nil {
		return fmt.Errorf("allow force pushes to the app's git repository %s: %w", repo, err)
	}
	hook := filepath.Join(repo, "hooks", "pre-receive")
	want := hookScript(exe, stateDir, app)
	if have, err := os.ReadFile(hook); err == nil && string(have) == want {
		return nil
	}
	// Written to a file of its own beside and renamed, so a push never runs half a hook, even
	// while another writer (a daemon starting, a deploy) writes it too.
	if err := writeHook(hook, want); err != nil {
		return fmt.Errorf("write the app's pre-receive hook %s (check the app directory's owner and free space): %w", hook, err)
	}
	return nil
}

// writeHook writes script to a fresh temporary file beside hook, owner-only and executable, and
// renames it over hook.
func writeHook(hook, script string) error {
	f, err := os.CreateTemp(filepath.Dir(hook), ".pre-receive-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.WriteString(script)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, 0o700)
	}
	if err == nil {
		err = os.Rename(tmp, hook)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}

// SweepCheckouts removes what pushes left in the app's checkouts directory: an export is removed
// when its deploy ends, but not after a crash or a reboot. Call it only while no push of the app
// can be deploying, as at the daemon's start.
func SweepCheckouts(appDir string) error {
	dir := filepath.Join(appDir, CheckoutsName)
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("sweep the git checkouts in %s: %w", dir, err)
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			return fmt.Errorf("sweep the git checkouts in %s: %w", dir, err)
		}
	}
	return nil
}

// hookScript is the pre-receive hook: it hands the push to cutover.
func hookScript(exe, stateDir, app string) string {
	return "#!/bin/sh\n# Written by cutover: a push of the deploy branch deploys it (see docs/git-push.md).\n" +
		"exec " + shellQuote(exe) + " git-hook pre-receive --state " + shellQuote(stateDir) + " --app " + shellQuote(app) + "\n"
}

// shellQuote quotes s for sh as one word.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Branch returns the branch of repo whose pushes deploy: its git config cutover.branch, else
// DefaultBranch.
func Branch(ctx context.Context, repo string) (string, error) {
	out, err := git(ctx, repo, "config", "--get", BranchKey)
	var exit *exec.ExitError
	if errors.As(err, &exit) && exit.ExitCode() == 1 { // the key is not set
		return DefaultBranch, nil
	}
	if err != nil {
		return "", fmt.Errorf("read the deploy branch of %s: %w", repo, err)
	}
	if b := strings.TrimSpace(out); b != "" {
		return b, nil
	}
	return DefaultBranch, nil
}

// SetBranch makes branch the one whose pushes deploy, after checking it is a valid branch name.
func SetBranch(ctx context.Context, repo, branch string) error {
	if _, err := git(ctx, repo, "check-ref-format", "--branch", branch); err != nil || strings.HasPrefix(branch, "-") {
		return fmt.Errorf("%q is not a branch name git accepts: give a name such as main or production", branch)
	}
	if _, err := git(ctx, repo, "config", BranchKey, branch); err != nil {
		return fmt.Errorf("set the deploy branch of %s: %w", repo, err)
	}
	return nil
}

// git runs git with args in dir ("" for the current directory) and returns its output; an error
// carries what git said.
func git(ctx context.Context, dir string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, DefaultGitTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			return string(out), fmt.Errorf("git %s: %w: %s", args[0], err, msg)
		}
		return string(out), fmt.Errorf("git %s: %w", args[0], err)
	}
	return string(out), nil
}
