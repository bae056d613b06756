package cli

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"image/png"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/cutover-dev/cutover/internal/certs"
	"github.com/cutover-dev/cutover/internal/control"
	"github.com/cutover-dev/cutover/internal/freeport"
	"github.com/cutover-dev/cutover/internal/pgtest"
)

// TestMain makes `cutover` a command of the scripts (and of the daemons and apps they start): it
// re-enters this test binary as the real CLI.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"cutover": func() { os.Exit(Main()) }})
}

// TestScripts runs the CLI scenarios in testdata/script as a user types them.
func TestScripts(t *testing.T) {
	cluster := pgtest.Start(t)
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			env.Setenv("DATABASE_URL", cluster.NewDatabase(t))
			listen, err := freeport.Addr() // for the daemon the script starts
			if err != nil {
				return err
			}
			env.Setenv("LISTEN", listen)
			env.Setenv("CUTOVER_STATE_DIR", env.WorkDir+"/state")
			env.Setenv("CUTOVER_BAKE", "off") // a script about the bake says --bake, or `env CUTOVER_BAKE=30s` as bake.txtar does
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"ready":      cmdReady,
			"httpget":    cmdHTTPGet,
			"hostget":    cmdHostGet,
			"waitstatus": cmdWaitStatus,
			"waitget":    cmdWaitGet,
			"listenon":   cmdListenOn,
			"freeaddr":   cmdFreeAddr,
			"httpsget":   cmdHTTPSGet,
			"selfsigned": cmdSelfSigned,
			"getfrom":    cmdGetFrom,
			"getbg":      cmdGetBackground,
			"getwait":    cmdGetWait,
			"waitheld":   cmdWaitHeld,
			"perm":       cmdPerm,
			"pngsize":    cmdPNGSize,
			"waitbake":   cmdWaitBake,
			"load":       cmdLoad,
			"running":    cmdRunning,
		},
	})
}

// cmdReady waits until the daemon of $CUTOVER_STATE_DIR answers and its proxy accepts.
func cmdReady(ts *testscript.TestScript, neg bool, args []string) {
	c := control.NewClient(ts.Getenv("CUTOVER_STATE_DIR"))
	deadline := time.Now().Add(60 * time.Second)
	for {
		_, err := c.Apps(context.Background()) // answers whatever the apps
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("the daemon did not answer: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// cmdHTTPGet fetches http://$LISTEN/PATH and checks the body contains WANT: httpget PATH WANT.
func cmdHTTPGet(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: httpget PATH WANT")
	}
	resp, err := http.Get("http://" + ts.Getenv("LISTEN") + args[0])
	ts.Check(err)
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	ts.Check(err)
	if got := strings.Contains(string(body), args[1]); got == neg {
		ts.Fatalf("GET %s: got %s %q, want it to contain %q (negated: %v)", args[0], resp.Status, body, args[1], neg)
	}
}

// cmdHostGet sends a GET for PATH with the Host header HOST to the daemon, and checks that the
// status line, the app's X-App-Version header or the body has WANT: hostget HOST PATH WANT.
func cmdHostGet(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 {
		ts.Fatalf("usage: hostget HOST PATH WANT")
	}
	req, err := http.NewRequest(http.MethodGet, "http://"+ts.Getenv("LISTEN")+args[1], nil)
	ts.Check(err)
	req.Host = args[0]
	checkAnswer(ts, noRedirects, req, args[2], neg)
}

// noRedirects is a client that shows a redirect as it came (its status and Location).
var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// checkAnswer sends req through c and wants its answer (status line, X-App-Version, Location and
// body) to contain want, or not with neg.
func checkAnswer(ts *testscript.TestScript, c *http.Client, req *http.Request, want string, neg bool) {
	resp, err := c.Do(req)
	ts.Check(err)
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	ts.Check(err)
	text := resp.Status + "\nX-App-Version: " + resp.Header.Get("X-App-Version") + "\nLocation: " + resp.Header.Get("Location") +
		"\nStrict-Transport-Security: " + resp.Header.Get("Strict-Transport-Security") + "\n" + string(body)
	if got := strings.Contains(text, want); got == neg {
		ts.Fatalf("GET %s%s: got %q, want it to contain %q (negated: %v)", req.Host, req.URL.Path, text, want, neg)
	}
}

// cmdHTTPSGet sends a GET over TLS to the daemon's $HTTPS with HOST as its name, trusting the
// certificate in CERT alone: httpsget HOST CERT PATH WANT.
func cmdHTTPSGet(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 4 {
		ts.Fatalf("usage: httpsget HOST CERT PATH WANT")
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM([]byte(ts.ReadFile(args[1]))) {
		ts.Fatalf("no certificate in %s", args[1])
	}
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots, ServerName: args[0]}}}
	defer c.CloseIdleConnections()
	req, err := http.NewRequest(http.MethodGet, "https://"+ts.Getenv("HTTPS")+args[2], nil)
	ts.Check(err)
	req.Host = args[0]
	checkAnswer(ts, c, req, args[3], neg)
}

// cmdSelfSigned writes a self-signed certificate for HOST, valid for a day, and its key to
// NAME.crt and NAME.key: selfsigned NAME HOST.
func cmdSelfSigned(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: selfsigned NAME HOST")
	}
	now := time.Now()
	certPEM, keyPEM, _, err := certs.SelfSigned([]string{args[1]}, now.Add(-time.Hour), now.Add(24*time.Hour))
	ts.Check(err)
	ts.Check(os.WriteFile(ts.MkAbs(args[0]+".crt"), certPEM, 0o600))
	ts.Check(os.WriteFile(ts.MkAbs(args[0]+".key"), keyPEM, 0o600))
}

// cmdWaitStatus waits until the daemon's status shows release ID deploying or live:
// waitstatus deploying|live ID.
func cmdWaitStatus(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: waitstatus deploying|live ID")
	}
	c := control.NewClient(ts.Getenv("CUTOVER_STATE_DIR"))
	deadline := time.Now().Add(60 * time.Second)
	for {
		st, err := c.Status(context.Background())
		ts.Check(err)
		if args[0] == "deploying" && strings.HasPrefix(st.Deploying, args[1]+", ") || args[0] == "live" && st.Live == args[1] {
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("waited 60s for %q: status has live %q, deploying %q", args, st.Live, st.Deploying)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// cmdWaitBake waits until the daemon's status shows release ID baking, or in a canary:
// waitbake ID.
func cmdWaitBake(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: waitbake ID")
	}
	c := control.NewClient(ts.Getenv("CUTOVER_STATE_DIR"))
	deadline := time.Now().Add(60 * time.Second)
	for {
		st, err := c.Status(context.Background())
		ts.Check(err)
		if st.Bake != nil && st.Bake.Release == args[0] {
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("waited 60s for %s to bake: status has live %q, deploying %q, bake %+v", args[0], st.Live, st.Deploying, st.Bake)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// cmdWaitGet waits until http://$LISTEN/PATH answers with a body that contains WANT: waitget PATH WANT.
func cmdWaitGet(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: waitget PATH WANT")
	}
	deadline := time.Now().Add(60 * time.Second)
	last := ""
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + ts.Getenv("LISTEN") + args[0])
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if strings.Contains(string(body), args[1]) {
				return
			}
			last = resp.Status + " " + string(body)
		}
		time.Sleep(20 * time.Millisecond)
	}
	ts.Fatalf("GET %s: waited 60s for %q, last answer %q", args[0], args[1], last)
}

// cmdListenOn holds a port on 127.0.0.1 for the rest of the script and sets $NAME (upper case) to
// its address: listenon NAME.
func cmdListenOn(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: listenon NAME")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	ts.Check(err)
	ts.Defer(func() { ln.Close() })
	ts.Setenv(strings.ToUpper(args[0]), ln.Addr().String())
}

// cmdFreeAddr sets $NAME (upper case) to a free address on 127.0.0.1 for a daemon to listen on:
// freeaddr NAME.
func cmdFreeAddr(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: freeaddr NAME")
	}
	addr, err := freeport.Addr()
	ts.Check(err)
	ts.Setenv(strings.ToUpper(args[0]), addr)
}

// cmdPerm checks a file's permission bits: perm PATH MODE (octal, such as 0600).
func cmdPerm(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: perm PATH MODE")
	}
	want, err := strconv.ParseUint(args[1], 8, 32)
	ts.Check(err)
	fi, err := os.Lstat(ts.MkAbs(args[0]))
	ts.Check(err)
	if got := fi.Mode().Perm(); (uint64(got) == want) == neg {
		ts.Fatalf("%s: got mode %04o, want %04o (negated: %v)", args[0], got, want, neg)
	}
}

// cmdPNGSize checks a file is a PNG that decodes, of a size: pngsize PATH WIDTH HEIGHT.
func cmdPNGSize(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 {
		ts.Fatalf("usage: pngsize PATH WIDTH HEIGHT")
	}
	f, err := os.Open(ts.MkAbs(args[0]))
	ts.Check(err)
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		ts.Fatalf("%s: got no PNG: %v", args[0], err)
	}
	got := fmt.Sprintf("%d %d", img.Bounds().Dx(), img.Bounds().Dy())
	if want := args[1] + " " + args[2]; (got == want) == neg {
		ts.Fatalf("%s: got %s pixels, want %s (negated: %v)", args[0], got, want, neg)
	}
}
