package sampleapp

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
)

// listenFDsStart is the first inherited descriptor under the systemd socket
// activation protocol (after stdin, stdout and stderr).
const listenFDsStart = 3

// listen returns the socket inherited through LISTEN_FDS when it was meant
// for this process, else a new TCP listener on the configured host and port.
func listen(c config) (ln net.Listener, inherited bool, err error) {
	ln, err = inheritedListener()
	if ln != nil || err != nil {
		return ln, ln != nil, err
	}
	if c.port == "" {
		return nil, false, errors.New("PORT is not set; set PORT (or --port) to the port to listen on, 0 for any free one")
	}
	ln, err = net.Listen("tcp", net.JoinHostPort(c.host, c.port))
	if err != nil {
		return nil, false, fmt.Errorf("listen: %w", err)
	}
	return ln, false, nil
}

// inheritedListener returns the listener on descriptor 3 when LISTEN_FDS is
// set and LISTEN_PID names this process, and nil otherwise: a LISTEN_PID for
// another process means the variables leaked from a parent. Like
// sd_listen_fds, it unsets the variables so that children do not see them.
func inheritedListener() (net.Listener, error) {
	fds, pid := os.Getenv("LISTEN_FDS"), os.Getenv("LISTEN_PID")
	if fds == "" || pid != strconv.Itoa(os.Getpid()) {
		return nil, nil
	}
	for _, name := range []string{"LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES"} {
		os.Unsetenv(name)
	}
	if n, err := strconv.Atoi(fds); err != nil || n < 1 {
		return nil, fmt.Errorf("LISTEN_FDS=%q is not a count of inherited sockets; unset it or pass at least one socket", fds)
	}
	f := os.NewFile(listenFDsStart, "LISTEN_FD_3")
	// FileListener duplicates the descriptor, so the original can go.
	defer f.Close()
	ln, err := net.FileListener(f)
	if err != nil {
		return nil, fmt.Errorf("use inherited socket on fd %d: %w", listenFDsStart, err)
	}
	return ln, nil
}
