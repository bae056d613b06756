package cli

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"syscall"

	"github.com/spf13/cobra"
)

func newRunCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "run [--app APP] -- COMMAND [ARG...]",
		Short: "Run a one-off command in the live release, attached to this terminal (rails console, manage.py shell)",
		Long: `run starts COMMAND in the live release's directory with the environment its processes have
(its config vars, cutover.toml's [env], the daemon's environment, CUTOVER_RELEASE), attached to this terminal, and
exits with its exit status. One argument is run by sh -c, as in a Procfile ("bin/rails db:migrate:status");
several are run as they are given. The process is this command's child, not the daemon's: run it as
the daemon's user (the release's files are theirs), and it outlives neither this terminal nor a
reboot, and no deploy or restart of the daemon stops it.`,
		Example: `  cutover run -- bin/rails console
  cutover run --app api -- python manage.py shell
  cutover run 'echo $DATABASE_URL | cut -d@ -f2'`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			env, err := g.client().RunEnv(cmd.Context())
			if err != nil {
				return err
			}
			if _, err := os.Stat(env.Dir); err != nil {
				return fmt.Errorf("the live release %s is in %s, which this user cannot reach (%w): run cutover run as the daemon's user", env.Release, env.Dir, err)
			}
			c := exec.Command(args[0], args[1:]...)
			if len(args) == 1 {
				c = exec.Command("/bin/sh", "-c", args[0])
			}
			c.Dir, c.Env = env.Dir, env.Env
			c.Stdin, c.Stdout, c.Stderr = cmd.InOrStdin(), g.stdout, g.stderr
			c.SysProcAttr = oneOffAttr()
			// Ctrl-C reaches the command from the terminal; this process, which ignores it while
			// the command runs (see Run), waits for the command to decide what it means.
			err = runForwarding(c)
			var exit *exec.ExitError
			switch {
			case errors.As(err, &exit) && exit.ExitCode() >= 0:
				return exitStatus(exit.ExitCode())
			case errors.As(err, &exit):
				// Killed by a signal: the shell's convention, 128 + its number.
				fmt.Fprintf(g.stderr, "cutover run: %v\n", err)
				if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
					return exitStatus(128 + int(ws.Signal()))
				}
				return exitStatus(1)
			case err != nil:
				return fmt.Errorf("run %q in %s: %w", args[0], env.Release, err)
			}
			return nil
		},
	}
}

// runForwarding runs c, passing on the SIGTERM this process gets (from a supervisor or a CI runner
// stopping it: the terminal never sends one) to it, and waits for it to decide what it means.
func runForwarding(c *exec.Cmd) error {
	// The kernel's parent-death signal (oneOffAttr) follows the thread that started the command,
	// not the process: keep this goroutine on it until the command ends, so the runtime never
	// retires that thread under a running command.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM)
	defer signal.Stop(sigs)
	if err := c.Start(); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- c.Wait() }()
	for {
		select {
		case sig := <-sigs:
			c.Process.Signal(sig)
		case err := <-done:
			return err
		}
	}
}
