package apps

import (
	"os"

	"github.com/cutover-dev/cutover/internal/deploy"
	"github.com/cutover-dev/cutover/internal/process"
	"github.com/cutover-dev/cutover/internal/socket"
)

// Handover describes the app's live formation for the daemon that takes over at an upgrade, nil
// when none serves, with the files to hand it: each named after the app, so that the apps' files
// keep apart (see AdoptFile).
func (a *App) Handover() (*deploy.Handover, []socket.NamedFile) {
	live := a.Live()
	if live == nil {
		return nil, nil
	}
	h, files := live.Handover()
	for i := range files {
		files[i].Name = a.Name + "/" + files[i].Name
	}
	return &h, files
}

// Disown lets go of the app's processes, which run on under the daemon that adopted them.
func (a *App) Disown() {
	if live := a.Live(); live != nil {
		live.Disown()
	}
}

// AdoptFile is the file named name of app's handover, among the files handed over; legacy, for
// a daemon from before apps, names its one app's files without the app's name.
func AdoptFile(file func(string) *os.File, app string, legacy bool) func(string) *os.File {
	if legacy {
		return file
	}
	return func(name string) *os.File { return file(app + "/" + name) }
}

// Adopt takes over the processes of h, which the daemon before this one handed over at an
// upgrade, and serves them. If they cannot be adopted, the app is started afresh. legacy says the
// processes come from a daemon before apps, which marked them with the state directory.
func (a *App) Adopt(h deploy.Handover, file func(string) *os.File, legacy bool) {
	f, err := a.deployer.Adopt(h, file)
	if err != nil {
		// The old daemon has let go: rather than leave the app unwatched, start it afresh.
		a.logger.Error("could not adopt the app: starting it again", "err", err)
		process.KillOrphans(a.dir)
		if legacy {
			process.KillOrphans(a.rt.StateDir)
		}
		a.Restore()
		return
	}
	deploy.Serve(a.site, f.Pool, f.Config)
	a.mu.Lock()
	a.live = f
	a.mu.Unlock()
}
