package daemon

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/cutover-dev/cutover/internal/apps"
	"github.com/cutover-dev/cutover/internal/control"
	"github.com/cutover-dev/cutover/internal/router"
)

// App returns the app named name, "" for the only one.
func (d *Daemon) App(name string) (control.AppService, error) {
	a, err := d.apps.Get(name)
	if err != nil {
		return nil, err
	}
	return a, nil
}

// ForDeploy is App for a deploy: on a daemon with no app yet, the first deploy makes one, named
// name or after its source's folder, that answers every host, as a daemon did before apps.
func (d *Daemon) ForDeploy(name, source string) (control.AppService, error) {
	if source == "" { // a rollback: nothing to make an app of
		return d.App(name)
	}
	a, err := d.apps.First(name, firstAppName(source), apps.Settings{Hosts: []string{router.AnyHost}})
	if err != nil {
		return nil, err
	}
	d.gitRepo(a)
	return a, nil
}

// firstAppName names an app after the folder it is deployed from, when that makes a valid name.
func firstAppName(source string) string {
	if abs, err := filepath.Abs(source); err == nil {
		source = abs
	}
	if real, err := filepath.EvalSymlinks(source); err == nil {
		source = real // Capistrano's current -> releases/20261205: the app's own folder's name
		if filepath.Base(filepath.Dir(source)) == "releases" {
			source = filepath.Dir(filepath.Dir(source))
		}
	}
	if name := strings.ToLower(filepath.Base(source)); apps.CheckName(name) == nil {
		return name
	}
	return apps.DefaultName
}

// Daemon describes the daemon itself.
func (d *Daemon) Daemon() control.DaemonInfo {
	info := control.DaemonInfo{Pid: os.Getpid(), Listen: d.opts.Listen, State: d.stateDir, Started: d.started,
		Version: d.opts.Version, Apps: len(d.apps.All())}
	if d.shared != nil {
		info.Listen = d.shared.Addr().String()
	}
	return info
}

// Apps lists the apps.
func (d *Daemon) Apps(ctx context.Context) []control.AppInfo {
	var infos []control.AppInfo
	for _, a := range d.apps.All() {
		infos = append(infos, a.Info())
	}
	d.certStates(infos)
	return infos
}

// CreateApp makes an app and routes its hosts at once.
func (d *Daemon) CreateApp(req control.AppRequest) (control.AppInfo, error) {
	if len(req.Hosts) == 0 {
		return control.AppInfo{}, errors.New("an app needs a host to answer for: give --host NAME (blog.example.com, *.example.com, example.com/api), or --host '*' for every host no other app claims")
	}
	a, err := d.apps.Create(req.Name, apps.Settings{Hosts: req.Hosts, TLSCert: req.TLSCert, TLSKey: req.TLSKey,
		HSTS: req.HSTS, NoRedirect: req.NoRedirect})
	if err != nil {
		return control.AppInfo{}, err
	}
	d.gitRepo(a)
	d.syncTLS() // now, not when keepTLSInSync comes to it: the answer says how its files are
	info := []control.AppInfo{a.Info()}
	d.certStates(info)
	return info[0], nil
}

// ChangeHosts adds and removes hosts of an app, at once, or moves hosts to it from other apps.
func (d *Daemon) ChangeHosts(name string, req control.HostsRequest) (control.AppInfo, error) {
	var a *apps.App
	var err error
	switch {
	case len(req.Move) > 0 && len(req.Add)+len(req.Remove) > 0:
		err = errors.New("move hosts on their own, not with others added or removed in the same request")
	case len(req.Move) > 0:
		a, err = d.apps.MoveHosts(name, req.Move)
	default:
		a, err = d.apps.SetHosts(name, func(hosts []string) ([]string, error) {
			return changeHosts(name, hosts, req)
		})
	}
	if err != nil {
		return control.AppInfo{}, err
	}
	return a.Info(), nil
}

// ChangeSettings changes an app's HTTPS settings, at once; the answer has its certificates' state
// as they are read now (own files at once, ACME in the background).
func (d *Daemon) ChangeSettings(name string, req control.SettingsRequest) (control.AppInfo, error) {
	if (req.TLSCert == nil) != (req.TLSKey == nil) {
		return control.AppInfo{}, errors.New("give the certificate and its key together (--tls-cert and --tls-key), or --acme")
	}
	a, err := d.apps.ChangeHTTPS(name, func(st apps.Settings) apps.Settings {
		if req.TLSCert != nil {
			st.TLSCert, st.TLSKey = *req.TLSCert, *req.TLSKey
		}
		if req.HSTS != nil {
			st.HSTS = *req.HSTS
		}
		if req.NoRedirect != nil {
			st.NoRedirect = *req.NoRedirect
		}
		return st
	})
	if err != nil {
		return control.AppInfo{}, err
	}
	d.syncTLS()
	info := []control.AppInfo{a.Info()}
	d.certStates(info)
	return info[0], nil
}

// changeHosts applies req to an app's hosts: adding one it has, or removing one it has not, is an
// error that says so.
func changeHosts(name string, hosts []string, req control.HostsRequest) ([]string, error) {
	for _, h := range req.Remove {
		want, err := apps.CheckHosts([]string{h})
		if err != nil {
			return nil, err
		}
		i := slices.Index(hosts, want[0])
		if i < 0 {
			return nil, errors.New("app " + name + " has no host " + h + ": its hosts are " + strings.Join(hosts, ", "))
		}
		hosts = slices.Delete(hosts, i, i+1)
	}
	for _, h := range req.Add {
		want, err := apps.CheckHosts([]string{h})
		if err != nil {
			return nil, err
		}
		if slices.Contains(hosts, want[0]) {
			return nil, errors.New("app " + name + " has host " + h + " already")
		}
		hosts = append(hosts, want[0])
	}
	return hosts, nil
}

// DestroyApp removes an app, its processes and releases.
func (d *Daemon) DestroyApp(ctx context.Context, name string) error {
	return d.apps.Destroy(ctx, name)
}
