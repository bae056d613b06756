package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/cutover-dev/cutover/internal/deploy"
)

// deployArgs checks deploy's arguments: APP_DIR, or none with --abort.
func deployArgs(abort *bool) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		switch {
		case *abort && len(args) > 0:
			return errors.New("--abort stops the deploy under way and takes no APP_DIR: run `cutover deploy --abort`")
		case *abort:
			return nil
		case len(args) == 0:
			return errors.New("give the app directory to deploy, e.g. `cutover deploy ./myapp` (a directory with a Procfile)")
		case len(args) > 1:
			return fmt.Errorf("deploy takes one app directory, got %d arguments: %q", len(args), args)
		}
		return nil
	}
}

// appDir checks the app directory the user named and returns its absolute path: the daemon may run
// in another directory.
func appDir(arg string) (string, error) {
	src, err := filepath.Abs(arg)
	if err != nil {
		return "", err
	}
	fi, err := os.Stat(src)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return "", fmt.Errorf("%s does not exist: give the app directory, the one with the Procfile", arg)
	case err != nil:
		return "", fmt.Errorf("app directory %s: %w", arg, err)
	case !fi.IsDir():
		return "", fmt.Errorf("%s is not a directory: give the app directory, the one with the Procfile", arg)
	}
	return src, nil
}

// runAbort asks the daemon to stop the deploy under way and says what happened.
func runAbort(cmd *cobra.Command, g *globals) error {
	res, err := g.client().Abort(cmd.Context())
	if err != nil {
		return err
	}
	name := res.Release
	if name == "" {
		name = "the deploy"
	}
	if !res.Aborted {
		fmt.Fprintf(g.stderr, "too late to abort: %s already serves (traffic switched); to go back, run `cutover rollback`\n", name)
		return errSilent
	}
	fmt.Fprintf(g.stdout, "aborted %s: its processes were stopped and traffic never moved\n", name)
	if res.Live != "" {
		fmt.Fprintf(g.stdout, "%s serves on\n", res.Live)
	}
	return nil
}

// runDetached starts a deploy and returns once it is prepared (its release named, its settings
// checked), leaving the deploy to run in the daemon.
func runDetached(cmd *cobra.Command, g *globals, req deploy.Request, what string) error {
	ctx, cancel := context.WithCancel(cmd.Context())
	defer cancel()
	id := ""
	rel, err := g.clientFor(sourceDir(req)).Deploy(ctx, req, func(e deploy.Event) {
		if e.Release != "" {
			id = e.Release
		}
		// Prepare's warnings (config mistakes, server settings) are worth seeing before leaving.
		if e.Kind == deploy.Warn {
			printEvent(g.stdout, e)
		}
		if e.Step == deploy.StepPrepare && e.Kind == deploy.StepDone {
			cancel() // the deploy goes on in the daemon: only this client leaves
		}
	})
	switch {
	case id != "" && ctx.Err() != nil && cmd.Context().Err() == nil:
		fmt.Fprintf(g.stdout, "%s: %s runs in the daemon\n", id, what)
		fmt.Fprintf(g.stdout, "follow it with `cutover status` and `cutover releases %s`; stop it with `cutover deploy --abort`\n", id)
		return nil
	case err != nil:
		fmt.Fprintf(g.stderr, " !  %s failed: %s\n", what, indent(err.Error(), "    "))
		return errSilent
	}
	fmt.Fprintf(g.stdout, "%s is live\n", rel.ID)
	return nil
}

// interrupted says what is true when the user stops `cutover deploy` with Ctrl-C: the deploy goes on.
func interrupted(g *globals, id, what string) error {
	name := "the " + what
	if id != "" {
		name = fmt.Sprintf("the %s (%s)", what, id)
	}
	fmt.Fprintf(g.stderr, "\n !  interrupted: %s goes on in the daemon; follow it with `cutover status`, stop it with `cutover deploy --abort`\n", name)
	return errSilent
}
