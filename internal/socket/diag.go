package socket

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// The kernel's sock_diag interface answers "what is this TCP connection" for one exact address pair,
// with the inode of its socket: 0 while the connection waits in its listener's accept queue, the
// inode of the accepting process's descriptor once accepted. It is how a probe through a shared
// socket learns which process took it, without reading all of /proc/net/tcp under load.

const (
	inetDiagReqV2Size = 56 // struct inet_diag_req_v2
	inetDiagMsgSize   = 72 // struct inet_diag_msg
	inetDiagNoCookie  = ^uint32(0)
)

// errNoSuchConn reports a connection the kernel does not know (any more).
var errNoSuchConn = errors.New("no such TCP connection")

// socketInode returns the inode of the TCP socket whose local end is local and remote end remote, 0
// while it waits to be accepted.
func socketInode(local, remote netip.AddrPort) (uint32, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, unix.NETLINK_SOCK_DIAG)
	if err != nil {
		return 0, fmt.Errorf("sock_diag: %w", err)
	}
	defer unix.Close(fd)
	if err := unix.Sendto(fd, diagRequest(local, remote), 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return 0, fmt.Errorf("sock_diag request: %w", err)
	}
	buf := make([]byte, 4096)
	n, _, err := unix.Recvfrom(fd, buf, 0)
	if err != nil {
		return 0, fmt.Errorf("sock_diag answer: %w", err)
	}
	return parseDiagAnswer(buf[:n])
}

// diagRequest is a netlink message asking for the one socket local ↔ remote.
func diagRequest(local, remote netip.AddrPort) []byte {
	family := byte(unix.AF_INET)
	if local.Addr().Is6() && !local.Addr().Is4In6() {
		family = unix.AF_INET6
	}
	b := make([]byte, unix.NLMSG_HDRLEN+inetDiagReqV2Size)
	ne := binary.NativeEndian
	ne.PutUint32(b[0:], uint32(len(b)))
	ne.PutUint16(b[4:], unix.SOCK_DIAG_BY_FAMILY)
	ne.PutUint16(b[6:], unix.NLM_F_REQUEST)
	r := b[unix.NLMSG_HDRLEN:]
	r[0], r[1] = family, unix.IPPROTO_TCP
	ne.PutUint32(r[4:], ^uint32(0)) // every state
	id := r[8:]
	binary.BigEndian.PutUint16(id[0:], local.Port())
	binary.BigEndian.PutUint16(id[2:], remote.Port())
	putAddr(id[4:20], local.Addr(), family)
	putAddr(id[20:36], remote.Addr(), family)
	ne.PutUint32(id[40:], inetDiagNoCookie)
	ne.PutUint32(id[44:], inetDiagNoCookie)
	return b
}

func putAddr(dst []byte, a netip.Addr, family byte) {
	if family == unix.AF_INET {
		v4 := a.Unmap().As4()
		copy(dst, v4[:])
		return
	}
	v6 := a.As16()
	copy(dst, v6[:])
}

// parseDiagAnswer returns the inode from a sock_diag answer, or the error it carries.
func parseDiagAnswer(b []byte) (uint32, error) {
	ne := binary.NativeEndian
	if len(b) < unix.NLMSG_HDRLEN {
		return 0, fmt.Errorf("sock_diag: short answer (%d bytes)", len(b))
	}
	switch ne.Uint16(b[4:]) {
	case unix.NLMSG_ERROR:
		if len(b) < unix.NLMSG_HDRLEN+4 {
			return 0, errors.New("sock_diag: short error")
		}
		errno := -int32(ne.Uint32(b[unix.NLMSG_HDRLEN:]))
		if errno == int32(unix.ENOENT) {
			return 0, errNoSuchConn
		}
		return 0, fmt.Errorf("sock_diag: %w", unix.Errno(errno))
	case unix.SOCK_DIAG_BY_FAMILY:
		msg := b[unix.NLMSG_HDRLEN:]
		if len(msg) < inetDiagMsgSize {
			return 0, fmt.Errorf("sock_diag: short message (%d bytes)", len(msg))
		}
		return ne.Uint32(msg[68:]), nil
	default:
		return 0, fmt.Errorf("sock_diag: unexpected message type %d", ne.Uint16(b[4:]))
	}
}

// holderIn returns a process of one of the process groups that holds the socket inode, or 0 if none
// does. A process it may not look into is skipped.
func holderIn(inode uint32, groups map[int]bool) int {
	want := "socket:[" + strconv.FormatUint(uint64(inode), 10) + "]"
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || !groups[processGroup(pid)] {
			continue
		}
		fdDir := filepath.Join("/proc", e.Name(), "fd")
		fds, err := os.ReadDir(fdDir)
		if err != nil {
			continue
		}
		for _, fd := range fds {
			if link, err := os.Readlink(filepath.Join(fdDir, fd.Name())); err == nil && link == want {
				return pid
			}
		}
	}
	return 0
}

// processGroup returns the process group of pid, or -1 if it cannot be read.
func processGroup(pid int) int {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return -1
	}
	// The command name, in parentheses, may itself hold spaces and parentheses.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return -1
	}
	f := strings.Fields(s[i+1:]) // state ppid pgrp ...
	if len(f) < 3 {
		return -1
	}
	pgid, err := strconv.Atoi(f[2])
	if err != nil {
		return -1
	}
	return pgid
}
