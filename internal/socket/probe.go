package socket

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"time"
)

// Probe timing defaults.
const (
	// DefaultProbeTimeout bounds one probe: the wait for some process to accept its connection,
	// then its request.
	DefaultProbeTimeout = 2 * time.Second
	// DefaultAcceptPoll is how often a probe asks the kernel whether its connection was accepted.
	DefaultAcceptPoll = 2 * time.Millisecond
)

// Probe is one connection made through a shared socket, with the process group of the process
// that accepted it. Every process that accepts on the socket competes for it, so a probe is how a
// deploy checks a new process while old ones still serve: it counts only the probes the new one took.
type Probe struct {
	conn net.Conn
	// Group is the process group of the process that accepted the connection, if it is one of those
	// asked about; 0 if someone else accepted it.
	Group int
}

// Probe connects to the socket and waits until a process accepts the connection, at most until ctx
// is done. Group tells whether the process belongs to one of groups (process group ids). The caller
// must Close the probe or Get through it.
func (s *Shared) Probe(ctx context.Context, groups map[int]bool) (*Probe, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", s.DialAddr())
	if err != nil {
		return nil, fmt.Errorf("probe %s: %w", s.addr, err)
	}
	// The server side of the connection has the client's addresses swapped.
	server, client := addrPort(conn.RemoteAddr()), addrPort(conn.LocalAddr())
	t := time.NewTicker(DefaultAcceptPoll)
	defer t.Stop()
	for {
		inode, err := socketInode(server, client)
		if err != nil {
			conn.Close()
			return nil, fmt.Errorf("probe %s: %w", s.addr, err)
		}
		if inode != 0 {
			p := &Probe{conn: conn}
			if pid := holderIn(inode, groups); pid != 0 {
				p.Group = processGroup(pid)
			}
			return p, nil
		}
		select {
		case <-ctx.Done():
			conn.Close()
			return nil, fmt.Errorf("probe %s: no process accepted the connection: %w", s.addr, ctx.Err())
		case <-t.C:
		}
	}
}

// Get sends GET path through the probe's connection, returns the response's status and closes the
// connection.
func (p *Probe) Get(ctx context.Context, path string) (int, error) {
	defer p.conn.Close()
	stop := context.AfterFunc(ctx, func() { p.conn.SetDeadline(time.Now()) })
	defer stop()
	req := "GET " + path + " HTTP/1.1\r\nHost: " + p.conn.RemoteAddr().String() +
		"\r\nUser-Agent: cutover-health\r\nConnection: close\r\n\r\n"
	if _, err := p.conn.Write([]byte(req)); err != nil {
		return 0, fmt.Errorf("GET %s: %w", path, err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(p.conn), nil)
	if err != nil {
		return 0, fmt.Errorf("GET %s: %w", path, err)
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// Close closes the probe's connection.
func (p *Probe) Close() error { return p.conn.Close() }

func addrPort(a net.Addr) netip.AddrPort {
	if ta, ok := a.(*net.TCPAddr); ok {
		return ta.AddrPort()
	}
	return netip.AddrPort{}
}
