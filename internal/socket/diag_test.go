package socket

import (
	"encoding/binary"
	"errors"
	"net"
	"os"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"
)

// TestSocketInode: a connection has inode 0 while it waits to be accepted, then the inode of the
// accepting process's descriptor.
func TestSocketInode(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	server, client := addrPort(c.RemoteAddr()), addrPort(c.LocalAddr())
	if inode, err := socketInode(server, client); err != nil || inode != 0 {
		t.Fatalf("before accept: got inode %d, %v; want 0", inode, err)
	}
	a, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	inode, err := socketInode(server, client)
	if err != nil || inode == 0 {
		t.Fatalf("after accept: got inode %d, %v; want the accepted socket's", inode, err)
	}
	link, _ := os.Readlink("/proc/self/fd/" + strconv.Itoa(fdOfConn(t, a)))
	if want := "socket:[" + strconv.FormatUint(uint64(inode), 10) + "]"; link != want {
		t.Errorf("got %s, want the accepted descriptor's %s", want, link)
	}
	if holderIn(inode, map[int]bool{processGroup(os.Getpid()): true}) != os.Getpid() {
		t.Errorf("this process holds the accepted socket, holderIn did not find it")
	}
	if _, err := socketInode(client, client); !errors.Is(err, errNoSuchConn) {
		t.Errorf("a connection that does not exist: got %v, want errNoSuchConn", err)
	}
}

func fdOfConn(t *testing.T, c net.Conn) int {
	raw, err := c.(*net.TCPConn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	fd := -1
	raw.Control(func(s uintptr) { fd = int(s) })
	return fd
}

func TestParseDiagAnswer(t *testing.T) {
	ne := binary.NativeEndian
	msg := func(typ uint16, body []byte) []byte {
		b := make([]byte, unix.NLMSG_HDRLEN+len(body))
		ne.PutUint32(b, uint32(len(b)))
		ne.PutUint16(b[4:], typ)
		copy(b[unix.NLMSG_HDRLEN:], body)
		return b
	}
	errno := func(e unix.Errno) []byte {
		b := make([]byte, 4)
		ne.PutUint32(b, uint32(-int32(e)))
		return b
	}
	diag := make([]byte, inetDiagMsgSize)
	ne.PutUint32(diag[68:], 4242)
	tests := []struct {
		name    string
		answer  []byte
		inode   uint32
		wantErr error
	}{
		{"found", msg(unix.SOCK_DIAG_BY_FAMILY, diag), 4242, nil},
		{"no such connection", msg(unix.NLMSG_ERROR, errno(unix.ENOENT)), 0, errNoSuchConn},
		{"other error", msg(unix.NLMSG_ERROR, errno(unix.EPERM)), 0, unix.EPERM},
		{"short", []byte{1, 2}, 0, nil},
		{"short message", msg(unix.SOCK_DIAG_BY_FAMILY, diag[:10]), 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inode, err := parseDiagAnswer(tt.answer)
			if inode != tt.inode {
				t.Errorf("inode: got %d, want %d", inode, tt.inode)
			}
			switch {
			case tt.wantErr != nil && !errors.Is(err, tt.wantErr):
				t.Errorf("got %v, want %v", err, tt.wantErr)
			case tt.wantErr == nil && tt.inode == 0 && err == nil:
				t.Errorf("got no error for a malformed answer")
			}
		})
	}
}
