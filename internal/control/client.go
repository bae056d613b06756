package control

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"syscall"

	"github.com/cutover-dev/cutover/internal/applog"
	"github.com/cutover-dev/cutover/internal/deploy"
	"github.com/cutover-dev/cutover/internal/release"
)

// ErrNoDaemon is returned when no daemon answers on the state directory's socket.
var ErrNoDaemon = errors.New("no cutover daemon is running")

// Client talks to the daemon of one state directory.
type Client struct {
	// App is the app the client's per-app calls are for; "" names the only app of the daemon.
	App string

	socket string
	http   *http.Client
}

// NewClient returns a client for the daemon whose state directory is stateDir.
func NewClient(stateDir string) *Client {
	socket, _ := filepath.Abs(filepath.Join(stateDir, SocketName))
	tr := &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", socket)
	}}
	return &Client{socket: socket, http: &http.Client{Transport: tr}}
}

// appPath is path (such as "/deploy") in the API of the client's app.
func (c *Client) appPath(path string) string {
	if c.App == "" {
		return "/v1" + path
	}
	return "/v1/apps/" + url.PathEscape(c.App) + path
}

// Deploy asks for a deploy and calls onEvent for each event as it happens; it returns the release
// as recorded, and the deploy's error.
func (c *Client) Deploy(ctx context.Context, req deploy.Request, onEvent func(deploy.Event)) (*release.Release, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	resp, err := c.do(ctx, http.MethodPost, c.appPath("/deploy"), bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return readStream(resp, onEvent)
}

// readStream reads a deploy's stream of messages, calling onEvent for each event, up to its end.
func readStream(resp *http.Response, onEvent func(deploy.Event)) (*release.Release, error) {
	dec := json.NewDecoder(resp.Body)
	for {
		var m Message
		if err := dec.Decode(&m); err != nil {
			return nil, fmt.Errorf("the daemon stopped answering mid-deploy (%w): see `cutover releases` and `cutover logs`", err)
		}
		if m.Event != nil && onEvent != nil {
			onEvent(*m.Event)
		}
		if m.Done {
			if m.Error != "" {
				return m.Release, errors.New(m.Error)
			}
			return m.Release, nil
		}
	}
}

// Abort asks the daemon to stop the deploy under way, and waits until it has ended.
func (c *Client) Abort(ctx context.Context) (AbortResult, error) {
	var res AbortResult
	return res, c.postJSON(ctx, c.appPath("/deploy/abort"), nil, &res)
}

// Promote ends the bake under way as passed, and waits until its deploy has ended.
func (c *Client) Promote(ctx context.Context) (PromoteResult, error) {
	var res PromoteResult
	return res, c.postJSON(ctx, c.appPath("/promote"), nil, &res)
}

// Scale asks for the live release's formation to change, and waits until it has.
func (c *Client) Scale(ctx context.Context, req ScaleRequest) (ScaleResult, error) {
	var res ScaleResult
	return res, c.postJSON(ctx, c.appPath("/scale"), req, &res)
}

// RunEnv asks where and with what environment a one-off process of the live release runs.
func (c *Client) RunEnv(ctx context.Context) (RunEnv, error) {
	var env RunEnv
	return env, c.getJSON(ctx, c.appPath("/run"), &env)
}

// Upgrade asks the daemon to hand over to a new cutover binary, and waits until it has.
func (c *Client) Upgrade(ctx context.Context, req UpgradeRequest) (UpgradeResult, error) {
	var res UpgradeResult
	return res, c.postJSON(ctx, "/v1/upgrade", req, &res)
}

// Status returns the status of the client's app, with the daemon's.
func (c *Client) Status(ctx context.Context) (Status, error) {
	var s Status
	return s, c.getJSON(ctx, c.appPath("/status"), &s)
}

// Releases returns every release, oldest first.
func (c *Client) Releases(ctx context.Context) ([]*release.Release, error) {
	var rs []*release.Release
	return rs, c.getJSON(ctx, c.appPath("/releases"), &rs)
}

// Damaged returns the releases whose record is damaged, with the reason.
func (c *Client) Damaged(ctx context.Context) ([]release.Damaged, error) {
	var d []release.Damaged
	return d, c.getJSON(ctx, c.appPath("/damaged"), &d)
}

// Prune asks the daemon to remove old releases and returns the ids it removed.
func (c *Client) Prune(ctx context.Context, req PruneRequest) (PruneResult, error) {
	var res PruneResult
	return res, c.postJSON(ctx, c.appPath("/prune"), req, &res)
}

// postJSON posts req (none if nil) as JSON to path and decodes the answer into res.
func (c *Client) postJSON(ctx context.Context, path string, req, res any) error {
	var body io.Reader
	if req != nil {
		b, err := json.Marshal(req)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	resp, err := c.do(ctx, http.MethodPost, path, body)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(res); err != nil {
		return fmt.Errorf("bad answer from the daemon: %w", err)
	}
	return nil
}

// Release returns one release.
func (c *Client) Release(ctx context.Context, id string) (*release.Release, error) {
	var r release.Release
	return &r, c.getJSON(ctx, c.appPath("/releases/"+url.PathEscape(id)), &r)
}

// Logs calls onLine for the last n lines (of process type or name proc, "" for all), then, with
// follow, for new lines until ctx is done.
func (c *Client) Logs(ctx context.Context, n int, proc string, follow bool, onLine func(applog.Line)) error {
	q := url.Values{"n": {strconv.Itoa(n)}, "process": {proc}}
	if follow {
		q.Set("follow", "1")
	}
	resp, err := c.do(ctx, http.MethodGet, c.appPath("/logs?"+q.Encode()), nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		var l applog.Line
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			return fmt.Errorf("bad log line from the daemon: %w", err)
		}
		onLine(l)
	}
	if ctx.Err() != nil {
		return nil
	}
	return sc.Err()
}

func (c *Client) getJSON(ctx context.Context, path string, v any) error {
	resp, err := c.do(ctx, http.MethodGet, path, nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		return fmt.Errorf("bad answer from the daemon: %w", err)
	}
	return nil
}

// dialProblem returns an error that names what stopped the dial when it was not the daemon's
// absence: no permission on the socket, or no file descriptor left (in this process or the system),
// or nil for any other error.
func dialProblem(err error, socket string) error {
	switch {
	case errors.Is(err, syscall.EACCES), errors.Is(err, syscall.EPERM):
		return fmt.Errorf("permission denied on the daemon's socket %s (%w): run as the user the daemon runs as, or with access to its state directory", socket, err)
	case errors.Is(err, syscall.EMFILE), errors.Is(err, syscall.ENFILE):
		return fmt.Errorf("too many open files: could not reach the daemon at %s (%w): raise `ulimit -n`, or close what holds the descriptors", socket, err)
	}
	return nil
}

// do sends a request and turns transport failures and error answers into errors a user can act on.
func (c *Client) do(ctx context.Context, method, path string, body io.Reader) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, "http://cutover"+path, body)
	if err != nil {
		return nil, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			// Stopped here (a signal, a timeout), not by the daemon, which may well be running.
			return nil, fmt.Errorf("stopped while waiting for the daemon at %s (%w); `cutover status` shows where it stands", c.socket, context.Cause(ctx))
		}
		if derr := dialProblem(err, c.socket); derr != nil {
			return nil, derr
		}
		if _, serr := os.Stat(c.socket); serr != nil {
			if derr := dialProblem(serr, c.socket); derr != nil {
				return nil, derr
			}
			return nil, fmt.Errorf("%w (no socket at %s): start it with `cutover serve --state %s`, or pass the daemon's --state", ErrNoDaemon, c.socket, filepath.Dir(c.socket))
		}
		return nil, fmt.Errorf("%w at %s: %v", ErrNoDaemon, c.socket, err)
	}
	if resp.StatusCode >= 400 {
		defer resp.Body.Close()
		var e apiError
		if json.NewDecoder(resp.Body).Decode(&e) == nil && e.Error != "" {
			return nil, errors.New(e.Error)
		}
		return nil, fmt.Errorf("daemon answered %s", resp.Status)
	}
	return resp, nil
}
