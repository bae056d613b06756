package socket

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"

	"golang.org/x/sys/unix"
)

// Notify sends state (for example "READY=1" or "MAINPID=42\nREADY=1") to the service manager named
// by $NOTIFY_SOCKET, as sd_notify does. Without $NOTIFY_SOCKET it does nothing and returns nil, so a
// daemon not run by systemd can call it all the same.
func Notify(state string) error {
	name := os.Getenv(EnvNotifySocket)
	if name == "" {
		return nil
	}
	if name[0] != '/' && name[0] != '@' {
		return fmt.Errorf("%s=%q: want an absolute path or an abstract name starting with @", EnvNotifySocket, name)
	}
	c, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: name, Net: "unixgram"})
	if err != nil {
		return fmt.Errorf("notify %s: %w", name, err)
	}
	defer c.Close()
	if _, err := c.Write([]byte(state)); err != nil {
		return fmt.Errorf("notify %s: %w", name, err)
	}
	return nil
}

// Notifier is a NOTIFY_SOCKET of cutover's own, where the processes of a release say they are
// ready, as systemd's Type=notify services do. The kernel stamps each message with the sender's
// pid, so a message counts for the process group of its sender and cannot be forged by another.
// It is an abstract socket: nothing on disk, and no path length limit from the state directory.
type Notifier struct {
	conn *net.UnixConn
	name string
	done chan struct{} // closed when the receiving goroutine ends

	mu     sync.Mutex
	ready  map[int]chan struct{} // process group → closed on READY=1
	status map[int]string        // process group → last STATUS=
}

// NewNotifier opens a notify socket and starts receiving on it.
func NewNotifier() (*Notifier, error) {
	var b [8]byte
	_, _ = rand.Read(b[:])
	name := "@cutover/notify/" + hex.EncodeToString(b[:])
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: name, Net: "unixgram"})
	if err != nil {
		return nil, fmt.Errorf("open notify socket: %w", err)
	}
	if err := passCredentials(conn); err != nil {
		conn.Close()
		return nil, fmt.Errorf("open notify socket: %w", err)
	}
	n := &Notifier{conn: conn, name: name, done: make(chan struct{}), ready: map[int]chan struct{}{}, status: map[int]string{}}
	go n.receive()
	return n, nil
}

func passCredentials(conn *net.UnixConn) error {
	raw, err := conn.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	if err := raw.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_PASSCRED, 1)
	}); err != nil {
		return err
	}
	return serr
}

// Env returns the NOTIFY_SOCKET=... entry for a child's environment.
func (n *Notifier) Env() string { return EnvNotifySocket + "=" + n.name }

// Ready returns a channel that is closed once a process of the process group group has sent
// READY=1.
func (n *Notifier) Ready(group int) <-chan struct{} {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.readyChan(group)
}

// Status returns the last STATUS= a process of group sent, "" if none.
func (n *Notifier) Status(group int) string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.status[group]
}

func (n *Notifier) readyChan(group int) chan struct{} {
	c, ok := n.ready[group]
	if !ok {
		c = make(chan struct{})
		n.ready[group] = c
	}
	return c
}

// Close closes the socket; later messages to it fail, which apps ignore.
func (n *Notifier) Close() error {
	err := n.conn.Close()
	<-n.done
	return err
}

// receive is the one goroutine that reads messages, until the socket is closed.
func (n *Notifier) receive() {
	defer close(n.done)
	buf := make([]byte, 4096)
	oob := make([]byte, unix.CmsgSpace(unix.SizeofUcred))
	for {
		nb, noob, _, _, err := n.conn.ReadMsgUnix(buf, oob)
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			continue
		}
		pid := senderPid(oob[:noob])
		if pid <= 0 {
			continue
		}
		n.record(processGroup(pid), string(buf[:nb]))
	}
}

// record notes one message of a process of group.
func (n *Notifier) record(group int, msg string) {
	if group <= 0 {
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	for line := range strings.SplitSeq(msg, "\n") {
		key, value, _ := strings.Cut(line, "=")
		switch key {
		case "READY":
			if value != "1" {
				continue
			}
			c := n.readyChan(group)
			select {
			case <-c:
			default:
				close(c)
			}
		case "STATUS":
			n.status[group] = value
		}
	}
}

// senderPid returns the pid in a message's SCM_CREDENTIALS, 0 if there is none.
func senderPid(oob []byte) int {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return 0
	}
	for _, m := range msgs {
		if cred, err := unix.ParseUnixCredentials(&m); err == nil {
			return int(cred.Pid)
		}
	}
	return 0
}
