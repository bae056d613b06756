package socket

import (
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestActivationEnv(t *testing.T) {
	tests := []struct {
		names []string
		want  []string
	}{
		{[]string{"http"}, []string{"LISTEN_FDS=1", "LISTEN_FDNAMES=http"}},
		{[]string{"http", "admin"}, []string{"LISTEN_FDS=2", "LISTEN_FDNAMES=http:admin"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.names, ","), func(t *testing.T) {
			if got := ActivationEnv(tt.names...); !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestActivationCommand runs Procfile lines through bash as cutover does, and checks which of them
// give the command's own pid as LISTEN_PID.
func TestActivationCommand(t *testing.T) {
	tests := []struct {
		line  string
		match bool
	}{
		{`sh -c 'echo $$ $LISTEN_PID'`, true},
		{`FOO=1 sh -c 'echo $$ $LISTEN_PID'`, true},
		{`true; exec sh -c 'echo $$ $LISTEN_PID'`, true},
		{`cd / && exec sh -c 'echo $$ $LISTEN_PID'`, true},
		// bash forks for the last command of an && list: the pid cannot match, and the readiness check
		// catches it (see Readiness).
		{`cd / && sh -c 'echo $$ $LISTEN_PID'`, false},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			out, err := exec.Command("/bin/bash", "-c", ActivationCommand(tt.line)).Output()
			if err != nil {
				t.Fatal(err)
			}
			f := strings.Fields(string(out))
			if len(f) != 2 {
				t.Fatalf("got %q, want a pid and LISTEN_PID", out)
			}
			if got := f[0] == f[1]; got != tt.match {
				t.Errorf("pid %s, LISTEN_PID %s: match %v, want %v", f[0], f[1], got, tt.match)
			}
		})
	}
}

// TestInherited re-executes the test binary with a socket passed under the protocol.
func TestInherited(t *testing.T) {
	if os.Getenv("SOCKET_TEST_INHERIT") == "1" {
		files, names, err := Inherited()
		if err != nil || len(files) != 1 || names[0] != "http" || os.Getenv(EnvListenFDs) != "" {
			t.Fatalf("got %v %q %v, LISTEN_FDS=%q; want one socket named http and the variables unset", files, names, err, os.Getenv(EnvListenFDs))
		}
		if _, err := FromFile(files[0]); err != nil {
			t.Fatal(err)
		}
		return
	}
	s := listen(t)
	cmd := exec.Command("/bin/bash", "-c", ActivationCommand(`exec "$0" -test.run '^TestInherited$'`), os.Args[0])
	cmd.Env = append(os.Environ(), "SOCKET_TEST_INHERIT=1")
	cmd.Env = append(cmd.Env, ActivationEnv("http")...)
	cmd.ExtraFiles = []*os.File{s.File()}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
}

func TestInheritedIgnoresAnotherPid(t *testing.T) {
	t.Setenv(EnvListenFDs, "1")
	t.Setenv(EnvListenPID, strconv.Itoa(os.Getpid()+1))
	files, _, err := Inherited()
	if files != nil || err != nil {
		t.Errorf("got %v, %v; want nothing: the sockets are meant for another process", files, err)
	}
}

func TestInheritedRefusesBadCount(t *testing.T) {
	t.Setenv(EnvListenFDs, "many")
	t.Setenv(EnvListenPID, strconv.Itoa(os.Getpid()))
	if _, _, err := Inherited(); err == nil || !strings.Contains(err.Error(), `LISTEN_FDS="many"`) {
		t.Errorf("got %v, want an error quoting LISTEN_FDS", err)
	}
}

func TestCleanEnv(t *testing.T) {
	env := []string{"PATH=/bin", "NOTIFY_SOCKET=/run/systemd/notify", "LISTEN_FDS=1", "LISTEN_PID=1", "LISTEN_FDNAMES=x", "CUTOVER_UPGRADE={}", "LISTEN_FDS_X=keep"}
	want := []string{"PATH=/bin", "LISTEN_FDS_X=keep"}
	if got := CleanEnv(env); !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}
