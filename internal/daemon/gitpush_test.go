package daemon_test

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cutover-dev/cutover/internal/deploy"
	"github.com/cutover-dev/cutover/internal/freeport"
	"github.com/cutover-dev/cutover/internal/loadgen"
)

// sshd is the path of Debian's OpenSSH server, which must be run by its absolute path.
const sshd = "/usr/sbin/sshd"

// startSSHD runs an OpenSSH server as the current user on a free loopback port, whose one key (made
// here) may only run cutover's forced command on state, with the bake off. It returns the
// server's address and the key's file.
func startSSHD(t *testing.T, state string) (addr, key string) {
	t.Helper()
	cutover, err := exec.LookPath("cutover") // this test binary, as cutover (see TestMain)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	hostKey, key := filepath.Join(dir, "host_key"), filepath.Join(dir, "user_key")
	for _, k := range []string{hostKey, key} {
		if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", k).CombinedOutput(); err != nil {
			t.Fatalf("ssh-keygen: %v\n%s", err, out)
		}
	}
	pub, err := os.ReadFile(key + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	keys := filepath.Join(dir, "authorized_keys")
	line := fmt.Sprintf("command=\"env CUTOVER_BAKE=off %s git-receive-pack --state %s\",no-port-forwarding,no-pty %s", cutover, state, pub)
	addr = freeport.ForTest(t)
	host, port, _ := net.SplitHostPort(addr)
	config := filepath.Join(dir, "sshd_config")
	conf := fmt.Sprintf("ListenAddress %s\nPort %s\nHostKey %s\nAuthorizedKeysFile %s\nPidFile %s\n"+
		"StrictModes no\nUsePAM no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\nPermitRootLogin prohibit-password\n",
		host, port, hostKey, keys, filepath.Join(dir, "sshd.pid"))
	for f, b := range map[string]string{keys: line, config: conf} {
		if err := os.WriteFile(f, []byte(b), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll("/run/sshd", 0o755); err != nil && os.Geteuid() == 0 {
		t.Fatal(err) // sshd's privilege separation directory, which a fresh container lacks
	}
	startProcess(t, "sshd", exec.Command(sshd, "-D", "-e", "-f", config))
	waitFor(t, "sshd to accept", func() bool {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	return addr, key
}

// gitWork is a working repository the test commits the app to and pushes from.
type gitWork struct {
	t   *testing.T
	dir string
	env []string
}

func newGitWork(t *testing.T, key string) *gitWork {
	w := &gitWork{t: t, dir: t.TempDir(), env: append(os.Environ(),
		"GIT_AUTHOR_NAME=Test", "GIT_AUTHOR_EMAIL=test@example.com", "GIT_COMMITTER_NAME=Test", "GIT_COMMITTER_EMAIL=test@example.com",
		"GIT_SSH_COMMAND=ssh -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes -o IdentitiesOnly=yes -i "+key,
		"CUTOVER_BAKE=off")} // for pushes to a local path, whose hook inherits the pusher's environment
	w.must("init", "-q", "-b", "main")
	return w
}

// git runs git in the working repository and returns its output.
func (w *gitWork) git(args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir, cmd.Env = w.dir, w.env
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func (w *gitWork) must(args ...string) string {
	w.t.Helper()
	out, err := w.git(args...)
	if err != nil {
		w.t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(out)
}

// commit commits the sample app at version v with extra flags and cutover.toml toml, and returns
// the commit's sha.
func (w *gitWork) commit(v, flags, toml string) string {
	w.t.Helper()
	files := map[string]string{"Procfile": fmt.Sprintf("web: cutover sample-app --version %s %s\n", v, flags), "cutover.toml": toml}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(w.dir, name), []byte(body), 0o644); err != nil {
			w.t.Fatal(err)
		}
	}
	w.must("add", ".")
	w.must("commit", "-q", "-m", "Sample app "+v)
	return w.must("rev-parse", "HEAD")
}

// TestGitPush pushes an app over SSH as a Heroku user would: v1 deploys, v2 deploys under load with
// no failed request, a broken v3 is rejected with v2 serving on and the branch unchanged, another
// branch is stored, not deployed, deleting main is refused; then a push to the repository's local
// path deploys too, after one during another deploy was refused at once.
func TestGitPush(t *testing.T) {
	for _, bin := range []string{"git", "ssh", "ssh-keygen", sshd} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Skipf("%s is not installed (scripts/test installs it): %v", bin, err)
		}
	}
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(t.TempDir(), "state")
	d := startDaemon(t, state, "")
	d.mustCutover([]string{"apps", "create", "blog", "--host", "*"})
	addr, key := startSSHD(t, state)
	remote := fmt.Sprintf("ssh://%s@%s/blog.git", me.Username, addr)
	repo := filepath.Join(state, "apps", "blog", "repo.git")
	w := newGitWork(t, key)

	v1 := w.commit("v1", "", "")
	out := w.must("push", remote, "main")
	for _, want := range []string{"remote: deploying " + v1[:7] + " Sample app v1", "remote: ==> v1: wait healthy", "remote: v1 is live"} {
		if !strings.Contains(out, want) {
			t.Errorf("push v1: no %q in the pusher's output:\n%s", want, out)
		}
	}
	if got := d.version(); got != "v1" {
		t.Fatalf("after pushing v1: got version %q, want v1", got)
	}

	v2 := w.commit("v2", "", "")
	stopLoad := startLoad(t, loadgen.Options{URL: d.url("/"), Concurrency: 4, Rate: 100})
	time.Sleep(300 * time.Millisecond)
	out = w.must("push", remote, "main")
	out2 := out
	time.Sleep(300 * time.Millisecond)
	r := stopLoad()[0]
	if r.Failed != 0 || r.OK == 0 {
		t.Errorf("during the push of v2: %s, want 0 failed", r)
	}
	if got := d.version(); got != "v2" {
		t.Fatalf("after pushing v2: got version %q, want v2\n%s", got, out)
	}
	rels, err := d.client.Releases(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if c := rels[len(rels)-1].Commit; c == nil || c.SHA != v2 || c.Subject != "Sample app v2" || c.Branch != "main" {
		t.Errorf("the release of v2 records commit %+v, want %s Sample app v2", c, v2)
	}
	if out, _ := d.cutover("releases"); !strings.Contains(out, "git "+v2[:7]+" Sample app v2") {
		t.Errorf("cutover releases shows no commit of v2:\n%s", out)
	}

	w.commit("v3", "--never-healthy", "boot_timeout = \"2s\"\n")
	out, err = w.git("push", remote, "main")
	if err == nil {
		t.Fatalf("the push of a never-healthy v3 succeeded:\n%s", out)
	}
	t.Logf("the pusher saw, for v2:\n%s\nfor v3:\n%s", out2, out)
	if !strings.Contains(out, "remote:  !  push rejected") || !strings.Contains(out, "pre-receive hook declined") {
		t.Errorf("push v3: output does not say it was rejected:\n%s", out)
	}
	if got := d.version(); got != "v2" {
		t.Errorf("after the rejected push of v3: got version %q, want v2", got)
	}
	if got := gitIn(t, repo, "rev-parse", "main"); got != v2 {
		t.Errorf("after the rejected push of v3: the remote main is %s, want v2's %s", got, v2)
	}

	n := len(releases(t, d))
	out = w.must("push", remote, "HEAD:wip")
	if !strings.Contains(out, "remote: stored wip (only main deploys)") {
		t.Errorf("push of another branch: output:\n%s", out)
	}
	if got := len(releases(t, d)); got != n || d.version() != "v2" {
		t.Errorf("the push of another branch deployed: %d releases, want %d; version %s", got, n, d.version())
	}
	if out, err := w.git("push", remote, ":main"); err == nil || !strings.Contains(out, "deleting the deploy branch is refused") {
		t.Errorf("deleting main: got %v, want it refused:\n%s", err, out)
	}

	w.must("reset", "-q", "--hard", v2)
	v4 := w.commit("v4", "", "")
	slow := make(chan error, 1)
	go func() {
		_, _, err := d.deploy(deploy.Request{Source: sampleApp(t, "slow", "--boot-delay 2s", "")})
		slow <- err
	}()
	waitFor(t, "the slow deploy to start", func() bool {
		st, err := d.client.Status(t.Context())
		return err == nil && st.Deploying != ""
	})
	if out, err := w.git("push", repo, "main"); err == nil || !strings.Contains(out, "another deploy is running") {
		t.Errorf("a push during another deploy: got %v, want it refused at once:\n%s", err, out)
	}
	if err := <-slow; err != nil {
		t.Fatalf("the slow deploy: %v", err)
	}
	w.must("push", repo, "main")
	if got := d.version(); got != "v4" || gitIn(t, repo, "rev-parse", "main") != v4 {
		t.Errorf("after a push of v4 to the local path: version %q, want v4", got)
	}
}

// TestGitReceivePackRefuses: the forced command runs nothing but a push to an app's repository.
func TestGitReceivePackRefuses(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	state := filepath.Join(t.TempDir(), "state")
	d := startDaemon(t, state, "")
	d.mustCutover([]string{"apps", "create", "blog", "--host", "*"})
	for _, tc := range []struct{ command, want string }{
		{"ls /", "only pushes to deploy"},
		{"git-upload-pack '/blog.git'", "only pushes to deploy"},
		{"git-receive-pack '/nosuch.git'", "no such app"},
		{"git-receive-pack '/srv/blog.git'", "not an app's repository"},
		{"", "no command"},
	} {
		t.Run(tc.command, func(t *testing.T) {
			cmd := exec.Command("cutover", "git-receive-pack", "--state", state)
			cmd.Env = append(os.Environ(), "SSH_ORIGINAL_COMMAND="+tc.command)
			out, err := cmd.CombinedOutput()
			if err == nil || !strings.Contains(string(out), tc.want) {
				t.Errorf("got %v, %q; want it refused, saying %q", err, out, tc.want)
			}
		})
	}
}

func releases(t *testing.T, d *daemonProc) []string {
	t.Helper()
	rels, err := d.client.Releases(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range rels {
		ids = append(ids, r.ID)
	}
	return ids
}

// gitIn runs git in dir and returns its trimmed output.
func gitIn(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}
