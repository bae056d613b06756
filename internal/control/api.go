// Package control is the API between the cutover CLI and its daemon: HTTP over a unix socket in the
// state directory (mode 0600, so only the daemon's user can deploy). Reads answer JSON; a deploy and
// `logs -f` stream newline-delimited JSON as things happen.
package control

import (
	"context"
	"errors"
	"time"

	"github.com/cutover-dev/cutover/internal/applog"
	"github.com/cutover-dev/cutover/internal/config"
	"github.com/cutover-dev/cutover/internal/deploy"
	"github.com/cutover-dev/cutover/internal/process"
	"github.com/cutover-dev/cutover/internal/release"
)

// SocketName is the control socket's file name in the state directory.
const SocketName = "cutover.sock"

// ErrBusy is returned when a deploy is asked for while another one runs.
var ErrBusy = errors.New("another deploy is running")

// ErrNoDeploy is returned when an abort is asked for while no deploy runs.
var ErrNoDeploy = errors.New("no deploy is running")

// Errors about apps, wrapped by the daemon's.
var (
	// ErrNoApp: the app named does not exist (404).
	ErrNoApp = errors.New("no such app")
	// ErrAmbiguous: a command named no app while the daemon has several (409).
	ErrAmbiguous = errors.New("several apps")
	// ErrExists: an app of that name exists already (409).
	ErrExists = errors.New("the app exists already")
)

// Service is what the daemon offers the CLI: the daemon-wide part, and each app's.
type Service interface {
	// App returns the app named name; "" names the only one. The error wraps ErrNoApp or
	// ErrAmbiguous.
	App(name string) (AppService, error)
	// ForDeploy is App for a deploy of source: on a daemon with no app yet, it makes the first
	// one (named name, else after source), which answers every host.
	ForDeploy(name, source string) (AppService, error)
	// Daemon describes the daemon itself.
	Daemon() DaemonInfo
	// Apps lists the apps, sorted by name.
	Apps(ctx context.Context) []AppInfo
	// CreateApp makes an app and routes its hosts at once.
	CreateApp(req AppRequest) (AppInfo, error)
	// ChangeHosts adds and removes hosts of an app, at once.
	ChangeHosts(app string, req HostsRequest) (AppInfo, error)
	// ChangeSettings changes an app's HTTPS settings, at once.
	ChangeSettings(app string, req SettingsRequest) (AppInfo, error)
	// DestroyApp removes an app, its processes and releases; ErrBusy while it deploys.
	DestroyApp(ctx context.Context, app string) error
	// Upgrade hands the daemon over to a new cutover binary and returns the new daemon's pid.
	Upgrade(ctx context.Context, req UpgradeRequest) (int, error)
}

// AppService is what the daemon offers for one app.
type AppService interface {
	// Deploy runs one deploy, calling emit for each event; it returns ErrBusy (wrapped) at once
	// when another deploy runs.
	//
	// A deploy runs on in the daemon when its client goes away (Ctrl-C, --detach): only Abort stops
	// it.
	Deploy(ctx context.Context, req deploy.Request, emit func(deploy.Event)) (*release.Release, error)
	// Abort stops the deploy under way if it has not switched traffic yet, and waits until it has
	// ended; it returns ErrNoDeploy (wrapped) when none runs.
	Abort(ctx context.Context) (AbortResult, error)
	// Promote ends the bake under way as passed and waits until the deploy has ended; it returns
	// ErrNoDeploy (wrapped) when no release is baking.
	Promote(ctx context.Context) (PromoteResult, error)
	// Scale changes the live release's formation to req.Scale without a new release, and returns
	// what it did; ErrBusy (wrapped) while a deploy runs.
	Scale(ctx context.Context, req ScaleRequest) (ScaleResult, error)
	// RunEnv is where and with what environment a one-off process of the live release runs
	// (`cutover run`); an error when no release is live.
	RunEnv() (RunEnv, error)
	Status(ctx context.Context) Status
	// Releases lists the releases whose record is readable, oldest first, and those whose record
	// is damaged.
	Releases() ([]*release.Release, []release.Damaged, error)
	// Prune removes releases older than the newest keep (zero: the daemon's setting), never the
	// live one or its rollback target, and returns the ids removed.
	Prune(keep int) ([]string, error)
	Release(id string) (*release.Release, error)
	// Tail returns the last n lines, of one process type or process when process is set; an
	// unknown process is an error that names the known ones.
	Tail(n int, process string) ([]applog.Line, error)
	Follow(ctx context.Context, process string) <-chan applog.Line
	// Pause holds the app's new requests, in arrival order, until Resume, each for up to
	// req.Timeout; it is saved, so it outlasts a restart or an upgrade of the daemon.
	Pause(req PauseRequest) (Traffic, error)
	// Resume lets the held requests go on, in arrival order, and new ones through.
	Resume() (Traffic, error)
	// Maintenance turns maintenance on or off: a 503 page for all clients but the allowed ones.
	// It is saved as Pause is.
	Maintenance(req MaintenanceRequest) (Traffic, error)
	// Vars lists the names of the app's config vars, never their values.
	Vars() (VarsInfo, error)
	// Var returns one config var, its value Masked unless reveal; an error wrapping ErrNoVar when
	// it is not set.
	Var(name string, reveal bool) (VarValue, error)
	// ChangeVars stores a change of the config vars as their next version and, unless NoRestart or
	// no release is live, deploys the live release's code again with them, calling emit for each
	// event, and returns that deploy's release. A deploy under way is ErrBusy (wrapped), with nothing
	// stored.
	ChangeVars(ctx context.Context, req VarsChange, emit func(deploy.Event)) (*release.Release, error)
}

// AppInfo is one app in `cutover apps`.
type AppInfo struct {
	Name      string    `json:"name"`
	Hosts     []string  `json:"hosts"`
	Live      string    `json:"live,omitempty"` // release id, "" when nothing serves
	Deploying string    `json:"deploying,omitempty"`
	Dir       string    `json:"dir"`
	Created   time.Time `json:"created"`
	// Socket is set for an app whose release accepts on the public socket itself (socket mode);
	// Listen is the address of the socket of its own that one accepts on instead.
	Socket bool   `json:"socket,omitempty"`
	Listen string `json:"listen,omitempty"`
	// TLSCert is the app's own certificate file, "" when its certificates come from ACME (or none).
	TLSCert    string `json:"tls_cert,omitempty"`
	HSTS       string `json:"hsts,omitempty"`
	NoRedirect bool   `json:"no_redirect,omitempty"`
	// Certs are the certificates of the app's hosts, when the daemon serves HTTPS.
	Certs []CertState `json:"certs,omitempty"`
}

// CertState is where one host's certificate stands.
type CertState struct {
	Host   string `json:"host"`
	Source string `json:"source"` // "acme" or "files"
	// Status is none, obtaining, valid, renewing, failing, expired, files or files-invalid.
	Status      string    `json:"status"`
	NotAfter    time.Time `json:"not_after,omitzero"`
	Issuer      string    `json:"issuer,omitempty"`
	LastError   string    `json:"last_error,omitempty"` // in plain words
	NextAttempt time.Time `json:"next_attempt,omitzero"`
}

// AppRequest asks for a new app.
type AppRequest struct {
	Name  string   `json:"name"`
	Hosts []string `json:"hosts"`
	// TLSCert and TLSKey are the app's own certificate and key files (absolute), instead of ACME.
	TLSCert string `json:"tls_cert,omitempty"`
	TLSKey  string `json:"tls_key,omitempty"`
	// HSTS is the Strict-Transport-Security value for HTTPS responses, "" for none.
	HSTS string `json:"hsts,omitempty"`
	// NoRedirect keeps plain HTTP serving the app when it has certificates.
	NoRedirect bool `json:"no_redirect,omitempty"`
}

// SettingsRequest changes an app's HTTPS settings; a field left nil stays as it is.
type SettingsRequest struct {
	// TLSCert and TLSKey are the app's own certificate and key files (absolute), given together;
	// both "" go back to ACME.
	TLSCert *string `json:"tls_cert,omitempty"`
	TLSKey  *string `json:"tls_key,omitempty"`
	// HSTS is the Strict-Transport-Security value for HTTPS responses, "" for none.
	HSTS *string `json:"hsts,omitempty"`
	// NoRedirect keeps plain HTTP serving the app when it has certificates.
	NoRedirect *bool `json:"no_redirect,omitempty"`
}

// HostsRequest changes the hosts of an app.
type HostsRequest struct {
	Add    []string `json:"add,omitempty"`
	Remove []string `json:"remove,omitempty"`
	// Move are hosts to take from whichever app has them, in one step; on its own, without Add or
	// Remove.
	Move []string `json:"move,omitempty"`
}

// UpgradeRequest asks for an upgrade of the daemon.
type UpgradeRequest struct {
	// Binary is the new cutover binary; "" means the daemon's own path, where a package manager
	// puts the new version.
	Binary string `json:"binary,omitempty"`
	// Timeout bounds the wait for the new daemon to be ready; zero means
	// socket.DefaultUpgradeTimeout.
	Timeout config.Duration `json:"timeout,omitempty"`
}

// AbortResult says what an abort did.
type AbortResult struct {
	Release string `json:"release,omitempty"` // the release the deploy was making, "" if not made yet
	// Aborted is true when the deploy stopped before its switch: the new release was stopped and
	// the live one serves on. False means it was too late: the new release already served.
	Aborted bool   `json:"aborted"`
	Live    string `json:"live,omitempty"`  // the release that serves now
	Error   string `json:"error,omitempty"` // how the deploy ended
}

// RunEnv is what `cutover run` needs to start a one-off process of the live release itself,
// attached to the user's terminal: the release's directory and its processes' environment
// (config vars included: the control socket is the daemon user's alone).
type RunEnv struct {
	Release string   `json:"release"`
	Dir     string   `json:"dir"`
	Env     []string `json:"env"`
}

// ScaleRequest asks for a formation: process type → count; the types it lacks keep theirs.
type ScaleRequest struct {
	Scale map[string]int `json:"scale"`
}

// ScaleResult says what a scale did.
type ScaleResult struct {
	Release   string         `json:"release"`
	Formation map[string]int `json:"formation"` // what runs now
	Log       []string       `json:"log"`       // what it did, step by step
}

// PromoteResult says what a promote did.
type PromoteResult struct {
	Release string `json:"release"`         // the release that was baking, and serves on
	Error   string `json:"error,omitempty"` // how its deploy ended, if not well
}

// Bake is a bake under way, in `cutover status`.
type Bake struct {
	Release string    `json:"release"` // the release judged, which serves
	Old     string    `json:"old"`     // the release kept booted to go back to
	Until   time.Time `json:"until"`
	// Share is the share of new clients sent to Release during a canary, while Old serves the
	// others; 0 for a bake.
	Share float64 `json:"canary_share,omitempty"`
}

// UpgradeResult says how an upgrade went.
type UpgradeResult struct {
	OldPid int `json:"old_pid"`
	Pid    int `json:"pid"` // the new daemon's
}

// Status is the daemon's state as `cutover status` shows it.
type Status struct {
	App       string         `json:"app,omitempty"` // "" when the daemon has no app yet
	Daemon    DaemonInfo     `json:"daemon"`
	Live      string         `json:"live,omitempty"` // release id, "" when nothing serves yet
	Source    string         `json:"source,omitempty"`
	InFlight  int64          `json:"in_flight"`
	Processes []ProcessState `json:"processes"`
	Deploying string         `json:"deploying,omitempty"` // release or source of a deploy under way
	// Steps are the steps of the deploy under way so far; the last has no duration while it runs.
	Steps []release.Step `json:"deploy_steps,omitempty"`
	// Figures are the app's request figures since the deploy under way began; nil when none runs
	// or before its first step.
	Figures *Figures `json:"deploy_figures,omitempty"`
	Bake    *Bake    `json:"bake,omitempty"` // the deploy's bake, while it goes on
	// Formation is the live release's processes per type; Kept, the part of it set with --scale,
	// which later deploys and rollbacks keep.
	Formation map[string]int `json:"formation,omitempty"`
	Kept      map[string]int `json:"kept_scale,omitempty"`
	// Restoring is set while the daemon, after a start, retries booting the live release.
	Restoring *deploy.RestoreState `json:"restoring,omitempty"`
	// LiveError says why the live release could not be restored at all (its record is damaged).
	LiveError string `json:"live_error,omitempty"`

	// Traffic is set while the app is paused or in maintenance.
	Traffic *Traffic `json:"traffic,omitempty"`

	// Recorded is the release recorded as live when none serves (Live is ""): the daemon could not
	// boot it when it started. `cutover releases` shows it as live.
	Recorded string `json:"recorded_live,omitempty"`
}

// PruneRequest asks to prune old releases.
type PruneRequest struct {
	Keep int `json:"keep,omitempty"` // the newest releases to keep; zero means the daemon's setting
}

// PruneResult lists the releases a prune removed.
type PruneResult struct {
	Removed []string `json:"removed"`
}

// DaemonInfo describes the daemon itself.
type DaemonInfo struct {
	Pid     int       `json:"pid"`
	Listen  string    `json:"listen"`
	State   string    `json:"state"`
	Started time.Time `json:"started"`
	Version string    `json:"version"`
	Apps    int       `json:"apps"` // how many apps the daemon runs
	// Isolation says how the app's processes are confined: "cgroup DIR", or "process groups only:
	// WHY" where the daemon cannot use cgroups.
	Isolation string `json:"isolation,omitempty"`
}

// ProcessState is one app process in `cutover status`.
type ProcessState struct {
	Release string    `json:"release"`
	Name    string    `json:"name"`
	Pid     int       `json:"pid"`
	Port    int       `json:"port,omitempty"`
	Health  string    `json:"health,omitempty"` // "healthy", "unhealthy: 503", "" for non-web
	Started time.Time `json:"started"`
	// Restarts counts how often the daemon started it again after it exited by itself.
	Restarts int `json:"restarts"`
	// LastExit is how its last run ended; nil until one has.
	LastExit *process.Exit `json:"last_exit,omitempty"`
	// Loop is set while it is crash-looping: restarted again and again, the backoff engaged.
	Loop *process.Loop `json:"crash_loop,omitempty"`
}

// Message is one line of a deploy's stream: an event, or at the end the result.
type Message struct {
	Event   *deploy.Event    `json:"event,omitempty"`
	Release *release.Release `json:"release,omitempty"`
	Error   string           `json:"error,omitempty"`
	Done    bool             `json:"done,omitempty"`
}
