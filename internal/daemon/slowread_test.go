package daemon_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Figures of the slow-reader test.
const (
	// slowReaderBuffer is the receive buffer of the client that stops reading; setting it also
	// stops the kernel growing it.
	slowReaderBuffer = 16 << 10
	// slowReaderMargin is added to the most the kernel can hold between the app and that client,
	// for the few buffers of the app and the proxy in their own memory.
	slowReaderMargin = 8 << 20
	// sampleAppMaxBytes is the largest /bytes/N the sample app answers.
	sampleAppMaxBytes = 64 << 20
	// otherClients is how many requests other clients send while the slow one stalls.
	otherClients = 20
	// heldCheck is how long a request is given to show that it is not answered while the one
	// worker is held. The worker cannot be freed before the slow client reads (the response is
	// larger than all the kernel holds on its way), so the request cannot be answered sooner or
	// later: a longer wait would only make the test slower.
	heldCheck = time.Second
)

// TestSlowReaderOneWorker: a client that asks a one-worker app for a large response and then stops
// reading does not block other clients when the proxy buffers responses (the default), and does
// hold the one worker with buffer_responses = false.
//
// The response must be larger than everything the kernel can hold on its way (the app's send
// buffer, the proxy's receive and send buffers, the client's receive buffer), or the app's write
// ends without the proxy's help. Loopback's 64 KiB segments let one such hop hold about 4 MiB
// (autotuned, up to net.ipv4.tcp_wmem's maximum), more than the default max_buffered_response of
// 1 MiB, so the test raises that to the response's size: with the default, a 1 MiB response could
// not tell buffering on from off on loopback.
func TestSlowReaderOneWorker(t *testing.T) {
	size := kernelHoldsAtMost(t) + slowReaderMargin
	if size > sampleAppMaxBytes {
		t.Skipf("the kernel may hold %d bytes between two sockets here, more than the sample app's /bytes answers", size)
	}
	tests := []struct {
		name string
		toml string
		held bool // the slow client holds the one worker
	}{
		{"buffered", fmt.Sprintf("max_buffered_response = \"%d\"\n", size), false},
		{"not buffered", "buffer_responses = false\n", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := startDaemon(t, t.TempDir(), "")
			d.mustDeploy(sampleApp(t, "v1", "--serial", tt.toml))
			slow := stallReading(t, d.addr, size)
			if tt.held {
				answered := make(chan error, 1)
				go func() {
					resp, err := (&http.Client{Timeout: bound}).Get(d.url("/"))
					if err == nil {
						resp.Body.Close()
						if resp.StatusCode != 200 {
							err = fmt.Errorf("got %s, want 200", resp.Status)
						}
					}
					answered <- err
				}()
				select {
				case err := <-answered:
					t.Fatalf("another client was answered (%v) while the slow one held the app's one worker", err)
				case <-time.After(heldCheck):
				}
				slow.readAll(t)
				if err := <-answered; err != nil {
					t.Fatalf("the other client, once the slow one read its response: %v", err)
				}
				return
			}
			c := &http.Client{Timeout: bound}
			for i := range otherClients {
				resp, err := c.Get(d.url("/"))
				if err != nil {
					t.Fatalf("request %d of another client while the slow one stalls: %v", i+1, err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 || !strings.Contains(string(body), "hello from v1") {
					t.Fatalf("request %d of another client: got %s %q, want 200 from v1", i+1, resp.Status, body)
				}
			}
			slow.readAll(t)
		})
	}
}

// kernelHoldsAtMost returns the most bytes the kernel can hold between the app and a client that
// does not read: each socket's buffers at their largest, autotuned or set.
func kernelHoldsAtMost(t *testing.T) int {
	t.Helper()
	most := func(files ...string) int {
		n := 0
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Skipf("cannot tell how much the kernel buffers: %v", err)
			}
			fields := strings.Fields(string(b))
			v, err := strconv.Atoi(fields[len(fields)-1]) // tcp_rmem and tcp_wmem: min, default, max
			if err != nil {
				t.Skipf("cannot tell how much the kernel buffers: %s: %v", f, err)
			}
			if strings.HasSuffix(f, "_max") {
				v *= 2 // SO_RCVBUF and SO_SNDBUF set twice what they are asked, up to twice the max
			}
			n = max(n, v)
		}
		return n
	}
	recv := most("/proc/sys/net/ipv4/tcp_rmem", "/proc/sys/net/core/rmem_max")
	send := most("/proc/sys/net/ipv4/tcp_wmem", "/proc/sys/net/core/wmem_max")
	// The app's send buffer, the proxy's receive buffer from it and send buffer to the client,
	// and the client's own small receive buffer.
	return send + recv + send + 2*slowReaderBuffer
}

// slowReader is a client that has asked for a response and read only its first bytes.
type slowReader struct {
	conn net.Conn
	head string
	size int
}

// stallReading connects to addr with a small receive buffer, asks for size bytes, reads the
// status line, which shows the app is answering, and then reads no more until readAll.
func stallReading(t *testing.T, addr string, size int) *slowReader {
	t.Helper()
	dialer := net.Dialer{Timeout: bound, Control: func(_, _ string, c syscall.RawConn) error {
		var err error
		c.Control(func(fd uintptr) {
			err = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, slowReaderBuffer)
		})
		return err
	}}
	conn, err := dialer.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("slow client: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(bound))
	if _, err := fmt.Fprintf(conn, "GET /bytes/%d HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", size, addr); err != nil {
		t.Fatalf("slow client: send the request: %v", err)
	}
	head := make([]byte, len("HTTP/1.1 200"))
	if _, err := io.ReadFull(conn, head); err != nil || string(head) != "HTTP/1.1 200" {
		t.Fatalf("slow client: got %q (%v), want HTTP/1.1 200", head, err)
	}
	return &slowReader{conn: conn, head: string(head), size: size}
}

// readAll reads the rest of the response, failing the test unless it is whole.
func (s *slowReader) readAll(t *testing.T) {
	t.Helper()
	s.conn.SetDeadline(time.Now().Add(bound))
	resp, err := http.ReadResponse(bufio.NewReader(io.MultiReader(strings.NewReader(s.head), s.conn)), nil)
	if err != nil {
		t.Fatalf("slow client: read the response: %v", err)
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	if err != nil || n != int64(s.size) || resp.ContentLength != int64(s.size) {
		t.Fatalf("slow client: got %d bytes of %d (%v), want %d", n, resp.ContentLength, err, s.size)
	}
}
