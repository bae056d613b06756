package socket

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// ListenFDsStart is the first descriptor of the sockets passed under the systemd socket activation
// protocol: they follow stdin, stdout and stderr.
const ListenFDsStart = 3

// Environment variables of the systemd protocols.
const (
	EnvListenFDs     = "LISTEN_FDS"     // how many sockets are passed, from fd 3
	EnvListenPID     = "LISTEN_PID"     // the pid they are meant for; anyone else must ignore them
	EnvListenFDNames = "LISTEN_FDNAMES" // their names, colon-separated
	EnvNotifySocket  = "NOTIFY_SOCKET"  // where to send READY=1 and friends
)

// ActivationEnv returns the environment that passes sockets named names as fds 3, 4, ... to a
// child: LISTEN_FDS and LISTEN_FDNAMES. LISTEN_PID must be the child's own pid, which is not
// known before it starts: ActivationCommand sets it.
func ActivationEnv(names ...string) []string {
	return []string{
		EnvListenFDs + "=" + strconv.Itoa(len(names)),
		EnvListenFDNames + "=" + strings.Join(names, ":"),
	}
}

// ActivationCommand returns a Procfile command line that sets LISTEN_PID to the pid of the process
// that runs command, for `bash -c`.
//
// LISTEN_PID has to be set after fork, so something must run between the fork and the app. The
// shell that runs every Procfile line already is that something: `$$` is its pid, and bash replaces
// itself with the last command of the line (exec), so the app keeps that pid. A Procfile list such
// as `bundle install; exec puma` still works. A shell that stays in between (`cd app && puma` makes
// bash fork) leaves the app with a LISTEN_PID that is not its own; the app then ignores the socket,
// and the deploy's readiness check, which waits for the new process to accept on the socket, fails
// and says so. A helper binary (`cutover socket-exec -- CMD`) would buy nothing over this: it too
// would hand the line to a shell, with one more exec and a dependency on cutover's own path.
func ActivationCommand(command string) string {
	return "export " + EnvListenPID + "=$$; " + command
}

// Inherited returns the sockets passed to this process under the systemd socket activation
// protocol, with their names ("" where none was given), and unsets the variables so that children
// do not see them. It returns nothing when LISTEN_PID names another process. The files are marked
// close-on-exec and are in non-blocking mode.
func Inherited() ([]*os.File, []string, error) {
	fds, pid := os.Getenv(EnvListenFDs), os.Getenv(EnvListenPID)
	names := os.Getenv(EnvListenFDNames)
	if fds == "" || pid != strconv.Itoa(os.Getpid()) {
		return nil, nil, nil
	}
	for _, v := range []string{EnvListenFDs, EnvListenPID, EnvListenFDNames} {
		os.Unsetenv(v)
	}
	n, err := strconv.Atoi(fds)
	if err != nil || n < 1 || n > 256 {
		return nil, nil, fmt.Errorf("%s=%q is not a count of passed sockets: unset it or pass at least one", EnvListenFDs, fds)
	}
	nameList := strings.Split(names, ":")
	files := make([]*os.File, n)
	out := make([]string, n)
	for i := range n {
		fd := ListenFDsStart + i
		syscall.CloseOnExec(fd)
		// Non-blocking, so that os.NewFile neither switches it nor has Fd switch it back: see Dup.
		if err := syscall.SetNonblock(fd, true); err != nil {
			return nil, nil, fmt.Errorf("passed socket fd %d: %w", fd, err)
		}
		if i < len(nameList) {
			out[i] = nameList[i]
		}
		files[i] = os.NewFile(uintptr(fd), "LISTEN_FD_"+strconv.Itoa(fd))
	}
	return files, out, nil
}

// CleanEnv returns env without the variables of the systemd protocols and of an upgrade, which were
// meant for this process and must not leak to its children: a child that saw the daemon's
// NOTIFY_SOCKET could tell systemd that the service is ready, or stopping.
func CleanEnv(env []string) []string {
	out := make([]string, 0, len(env))
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case EnvListenFDs, EnvListenPID, EnvListenFDNames, EnvNotifySocket, EnvUpgrade:
			continue
		}
		out = append(out, kv)
	}
	return out
}
