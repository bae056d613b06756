package gitpush

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"

	"github.com/cutover-dev/cutover/internal/deploy"
	"github.com/cutover-dev/cutover/internal/release"
)

// isZero reports whether sha is the all-zero id git sends for a ref created (old) or deleted
// (new), in a SHA-1 or a SHA-256 repository.
func isZero(sha string) bool { return sha != "" && strings.Trim(sha, "0") == "" }

// ErrDeleteBranch is returned for a push that deletes the deploy branch.
var ErrDeleteBranch = errors.New("deleting the deploy branch is refused")

// Update is one line of pre-receive's input: a ref moving from Old to New.
type Update struct {
	Old, New, Ref string
}

// ReadUpdates reads pre-receive's input, one "OLD NEW REF" line per ref pushed.
func ReadUpdates(r io.Reader) ([]Update, error) {
	var us []Update
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		if len(f) != 3 {
			return nil, fmt.Errorf("pre-receive: a line git would not send: %q", sc.Text())
		}
		us = append(us, Update{Old: f[0], New: f[1], Ref: f[2]})
	}
	return us, sc.Err()
}

// Hook is the pre-receive hook of one app's repository.
type Hook struct {
	// Repo is the repository, as git runs its hooks in it: "." with GIT_DIR and the quarantine's
	// object directory in the environment.
	Repo string
	// Branch is the branch whose pushes deploy.
	Branch string
	// Checkouts is the directory where each pushed commit is exported for its deploy.
	Checkouts string
	// Deploy asks the daemon for the deploy of req and returns how it ended.
	Deploy func(ctx context.Context, req deploy.Request) error
	// Out is where the hook says what it does; git shows it to the pusher as "remote: ...".
	Out io.Writer
}

// Run handles one push: it refuses the deletion of the deploy branch, lets other refs through, and
// deploys the commit pushed to the deploy branch; an error rejects the whole push.
func (h *Hook) Run(ctx context.Context, updates []Update) error {
	ref := "refs/heads/" + h.Branch
	var push *Update
	var stored []string
	for i, u := range updates {
		switch {
		case u.Ref == ref && isZero(u.New):
			return fmt.Errorf("%w: %s is what is live; to stop serving the app, use `cutover apps destroy` on the server", ErrDeleteBranch, h.Branch)
		case u.Ref == ref:
			push = &updates[i]
		case !isZero(u.New):
			stored = append(stored, strings.TrimPrefix(strings.TrimPrefix(u.Ref, "refs/heads/"), "refs/tags/"))
		}
	}
	if push != nil {
		if err := h.deploy(ctx, push.New); err != nil {
			return err
		}
	}
	// Said only once the push is accepted: a rejected push stores nothing.
	for _, name := range stored {
		fmt.Fprintf(h.Out, "stored %s (only %s deploys)\n", name, h.Branch)
	}
	return nil
}

// deploy exports commit sha and deploys it.
func (h *Hook) deploy(ctx context.Context, sha string) error {
	subject, err := git(ctx, h.Repo, "log", "-1", "--format=%s", sha, "--")
	if err != nil {
		return fmt.Errorf("read the pushed commit %s (push it again; if it fails again, run `git fsck` in the app's repository): %w", sha, err)
	}
	commit := &release.Commit{SHA: sha, Subject: strings.TrimSpace(subject), Branch: h.Branch}
	fmt.Fprintf(h.Out, "deploying %s (%s)\n", commit, h.Branch)
	if err := os.MkdirAll(h.Checkouts, 0o700); err != nil {
		return fmt.Errorf("make the checkouts directory %s (check the app directory's owner and free space): %w", h.Checkouts, err)
	}
	dir, err := os.MkdirTemp(h.Checkouts, commit.Short()+"-")
	if err != nil {
		return fmt.Errorf("make a directory to export the commit into: %w", err)
	}
	// The release holds its own copy: the export is not needed once the deploy has ended.
	defer os.RemoveAll(dir)
	if err := Export(ctx, h.Repo, sha, dir); err != nil {
		return err
	}
	return h.Deploy(ctx, deploy.Request{Source: dir, Commit: commit})
}

// Export writes the tree of commit sha in repo into dir, with `git archive` (which reads the
// objects of a push still in quarantine) unpacked by tar.
func Export(ctx context.Context, repo, sha, dir string) error {
	ctx, cancel := context.WithTimeout(ctx, DefaultGitTimeout)
	defer cancel()
	archive := exec.CommandContext(ctx, "git", "archive", "--format=tar", sha)
	archive.Dir = repo
	untar := exec.CommandContext(ctx, "tar", "-x", "-C", dir)
	r, w, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("export commit %s: %w", sha, err)
	}
	var archiveErr, untarErr strings.Builder
	archive.Stdout, archive.Stderr = w, &archiveErr
	untar.Stdin, untar.Stderr = r, &untarErr
	err = archive.Start()
	if err == nil {
		err = untar.Start()
	}
	// Only the children hold the pipe now: each sees the other's end close when it exits.
	r.Close()
	w.Close()
	if err != nil {
		if archive.Process != nil {
			archive.Wait()
		}
		return fmt.Errorf("export commit %s: %w", sha, err)
	}
	uerr := untar.Wait()
	aerr := archive.Wait()
	if aerr != nil {
		return fmt.Errorf("export commit %s: git archive: %w: %s", sha, aerr, strings.TrimSpace(archiveErr.String()))
	}
	if uerr != nil {
		return fmt.Errorf("export commit %s: tar: %w: %s", sha, uerr, strings.TrimSpace(untarErr.String()))
	}
	return nil
}
