package bench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/cutover-dev/cutover/internal/freeport"
)

// KamalProxy is Basecamp's kamal-proxy, the proxy Kamal deploys with, which "cutover bench proxy
// --compare kamal-proxy" starts when it finds it: a Go program, as cutover is, on Go's crypto/tls
// and net/http. It is not in Debian; its source is at github.com/basecamp/kamal-proxy.
const KamalProxy = "kamal-proxy"

// DefaultKamalDeployTimeout bounds "kamal-proxy deploy", which returns once kamal-proxy has seen the
// backend healthy.
const DefaultKamalDeployTimeout = 30 * time.Second

// kamalService is the name of the one service the bench deploys into kamal-proxy.
const kamalService = "bench"

// startKamal starts "kamal-proxy run" on listen's port (its HTTPS port with sec, else its HTTP
// port; the other on a free port) with its state and control socket in dir, where HOME and
// XDG_RUNTIME_DIR point, so that it reads and leaves nothing of a kamal-proxy the user runs; then
// deploys backend as its one service as a Kamal user would, with the X-Forwarded headers the other
// targets send (kamal-proxy leaves them out over TLS by default), and with sec the bench's
// certificate, without redirects.
func startKamal(ctx context.Context, bin, dir, listen, backend string, sec *benchTLS) (*child, error) {
	other, err := freeport.Pick()
	if err != nil {
		return nil, err
	}
	_, port, _ := strings.Cut(listen, ":")
	httpPort, httpsPort := port, fmt.Sprint(other)
	if sec != nil {
		httpPort, httpsPort = httpsPort, httpPort
	}
	// KAMAL_PROXY_SOCKET, which kamal-proxy prefers to XDG_RUNTIME_DIR, would send the deploy to
	// a kamal-proxy the user runs.
	env := append(withoutVar(os.Environ(), "KAMAL_PROXY_SOCKET"), "HOME="+dir, "XDG_RUNTIME_DIR="+dir, "XDG_CONFIG_HOME="+filepath.Join(dir, ".config"))
	ch, err := startChild(KamalProxy, dir, []string{bin, "run", "--http-port", httpPort, "--https-port", httpsPort}, env)
	if err != nil {
		return nil, err
	}
	if err := kamalDeploy(ctx, bin, dir, env, backend, sec); err != nil {
		ch.stop(DefaultStopTimeout)
		return nil, fmt.Errorf("%w; its output:\n%s", err, ch.logTail())
	}
	return ch, nil
}

// kamalDeploy runs "kamal-proxy deploy" until kamal-proxy's control socket answers, which it does
// soon after "kamal-proxy run" starts, or DefaultKamalDeployTimeout passes.
func kamalDeploy(ctx context.Context, bin, dir string, env []string, backend string, sec *benchTLS) error {
	argv := []string{"deploy", kamalService, "--target", backend, "--forward-headers"}
	if sec != nil {
		argv = append(argv, "--host", benchServerName, "--tls", "--tls-redirect=false",
			"--tls-certificate-path", sec.certFile, "--tls-private-key-path", sec.keyFile)
	}
	ctx, cancel := context.WithTimeout(ctx, DefaultKamalDeployTimeout)
	defer cancel()
	for {
		cmd := exec.CommandContext(ctx, bin, argv...)
		cmd.Dir, cmd.Env = dir, env
		out, err := cmd.CombinedOutput()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("kamal-proxy deploy: %w: %s", err, strings.TrimSpace(string(out)))
		case <-time.After(pollInterval):
		}
	}
}

// withoutVar returns env without the variable name.
func withoutVar(env []string, name string) []string {
	return slices.DeleteFunc(slices.Clone(env), func(kv string) bool { return strings.HasPrefix(kv, name+"=") })
}
