package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/cutover-dev/cutover/internal/apps"
	"github.com/cutover-dev/cutover/internal/config"
	"github.com/cutover-dev/cutover/internal/control"
	"github.com/cutover-dev/cutover/internal/deploy"
	"github.com/cutover-dev/cutover/internal/gitpush"
)

// newGitCmd is `cutover git`: where an app's repository is, and which branch deploys.
func newGitCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "git",
		Short: "Show the app's git repository to push to, and the branch that deploys",
		Long: `Each app has a bare git repository in the state directory; a push of its deploy branch (default
main) deploys the pushed commit, and a failed deploy rejects the push. Push through SSH, with this
authorized_keys line for the daemon's user (see docs/git-push.md):

  command="cutover git-receive-pack --state STATE",no-port-forwarding,no-pty ssh-ed25519 AAAA...

  git push ssh://deploy@HOST/APP.git main

or to the repository's path on this machine.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			app, repo, err := g.gitRepo()
			if err != nil {
				return err
			}
			branch, err := gitpush.Branch(cmd.Context(), repo)
			if err != nil {
				return err
			}
			fmt.Fprintf(g.stdout, "app:        %s\nrepository: %s\ndeploys:    %s\n", app, repo, branch)
			return nil
		},
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "branch BRANCH",
		Short: "Set the branch whose pushes deploy the app (default main)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			app, repo, err := g.gitRepo()
			if err != nil {
				return err
			}
			if err := gitpush.SetBranch(cmd.Context(), repo, args[0]); err != nil {
				return err
			}
			fmt.Fprintf(g.stdout, "pushes of %s deploy %s\n", args[0], app)
			return nil
		},
	})
	return cmd
}

// gitRepo is the app the command is for and its repository. Only the daemon makes repositories
// and writes their hooks (at an app's creation and at its start), so that the hook always runs the
// daemon's binary, never the one a person happened to run this command with.
func (g *globals) gitRepo() (string, string, error) {
	state, err := filepath.Abs(g.state)
	if err != nil {
		return "", "", fmt.Errorf("the state directory %s: %w", g.state, err)
	}
	names, err := apps.Names(state)
	if err != nil {
		return "", "", err
	}
	app := g.appFor(".")
	switch {
	case app == "" && len(names) == 1:
		app = names[0]
	case app == "" && len(names) == 0:
		return "", "", fmt.Errorf("%w in %s: create one with `cutover apps create NAME --host HOST`", control.ErrNoApp, state)
	case app == "":
		return "", "", fmt.Errorf("%w (%s): name one with --app", control.ErrAmbiguous, strings.Join(names, ", "))
	case !slices.Contains(names, app):
		return "", "", fmt.Errorf("%w %q in %s: the apps are %s", control.ErrNoApp, app, state, strings.Join(names, ", "))
	}
	repo := gitpush.RepoDir(apps.Dir(state, app))
	if _, err := os.Stat(filepath.Join(repo, "HEAD")); err != nil {
		return "", "", fmt.Errorf("app %s has no git repository yet (%w): the daemon makes it when it starts or creates the app; is `cutover serve --state %s` running, with git installed?", app, err, state)
	}
	return app, repo, nil
}

// newGitReceivePackCmd is the entry point of a push over SSH: an authorized_keys forced command.
func newGitReceivePackCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "git-receive-pack",
		Short: "Receive a git push over SSH (an authorized_keys forced command; see `cutover git`)",
		Long: `git-receive-pack is run by sshd as the forced command of a key in authorized_keys:

  command="cutover git-receive-pack --state STATE",no-port-forwarding,no-pty ssh-ed25519 AAAA...

It reads the command the client asked for from SSH_ORIGINAL_COMMAND, refuses anything but a push
(git-receive-pack) to a repository named after an app (/APP.git), and runs git receive-pack on that
app's repository, whose hook deploys the push.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			name, err := gitpush.ParseCommand(os.Getenv("SSH_ORIGINAL_COMMAND"))
			if err == nil && apps.CheckName(name) != nil {
				err = fmt.Errorf("%w: %q is not an app's repository: push to ssh://USER@HOST/APP.git", gitpush.ErrRefused, name)
			}
			if err != nil {
				return err
			}
			g.app = name
			_, repo, err := g.gitRepo()
			if err != nil {
				return err
			}
			rp := exec.Command("git", "receive-pack", repo)
			rp.Stdin, rp.Stdout, rp.Stderr = os.Stdin, os.Stdout, os.Stderr
			if err := rp.Run(); err != nil {
				var exit *exec.ExitError
				if errors.As(err, &exit) {
					return exitStatus(exit.ExitCode())
				}
				return fmt.Errorf("run git receive-pack: %w", err)
			}
			return nil
		},
	}
}

// newGitHookCmd is `cutover git-hook pre-receive`, which an app repository's hook runs.
func newGitHookCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:    "git-hook pre-receive",
		Short:  "Deploy a push of the deploy branch (run by git as an app repository's pre-receive hook)",
		Hidden: true,
		Args:   cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if args[0] != "pre-receive" {
				return fmt.Errorf("git-hook %s: cutover has only a pre-receive hook", args[0])
			}
			return runPreReceive(cmd, g)
		},
	}
}

// runPreReceive deploys the push on stdin. It waits for the deploy's end even when the pusher goes
// away, so that git updates the branch only to what went live.
func runPreReceive(cmd *cobra.Command, g *globals) error {
	signal.Ignore(syscall.SIGHUP, syscall.SIGPIPE)
	ctx := context.WithoutCancel(cmd.Context())
	updates, err := gitpush.ReadUpdates(os.Stdin)
	if err != nil {
		return err
	}
	state, err := filepath.Abs(g.state)
	if err != nil {
		return err
	}
	branch, err := gitpush.Branch(ctx, ".")
	if err != nil {
		return err
	}
	client := control.NewClient(state)
	client.App = g.app
	h := &gitpush.Hook{Repo: ".", Branch: branch, Checkouts: filepath.Join(apps.Dir(state, g.app), gitpush.CheckoutsName),
		Out: g.stdout, Deploy: func(ctx context.Context, req deploy.Request) error {
			over, err := config.FromEnv(os.Getenv)
			if err != nil {
				return err
			}
			req.Overrides = over
			rel, err := client.Deploy(ctx, req, func(e deploy.Event) { printEvent(g.stdout, e) })
			if err == nil {
				fmt.Fprintf(g.stdout, "\n%s is live: %s\n", rel.ID, req.Commit)
				printFigures(g.stdout, rel)
			}
			return err
		}}
	if err := h.Run(ctx, updates); err != nil {
		fmt.Fprintf(g.stderr, "\n !  push rejected: %s\n", indent(err.Error(), "    "))
		return errSilent
	}
	return nil
}
