package daemon

import (
	"bufio"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/cutover-dev/cutover/internal/proxy"
	"github.com/cutover-dev/cutover/internal/socket"
)

// TestProxyAccepts: the proxy's accept loop on the public socket starts once, however often it is
// asked to; stopped, it leaves the socket open, and a client that connects meanwhile is queued by
// the kernel and answered once the proxy accepts again.
func TestProxyAccepts(t *testing.T) {
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "hello") }))
	t.Cleanup(app.Close)
	shared, err := socket.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { shared.Close() })
	d := &Daemon{proxy: proxy.New(proxy.Options{}), shared: shared, logger: slog.Default()}
	d.proxy.Switch(proxy.NewPool("v1", []proxy.Backend{{Addr: app.Listener.Addr().String(), Name: "web.1"}}))
	t.Cleanup(func() { d.proxyAccepts(false) })

	for range 2 {
		if err := d.proxyAccepts(true); err != nil {
			t.Fatal(err)
		}
	}
	first := d.proxyLn
	if err := d.proxyAccepts(true); err != nil || d.proxyLn != first {
		t.Fatalf("asked again, the proxy started a second accept loop (%v)", err)
	}
	addr := shared.Addr().String()
	if got := ask(t, addr); got != http.StatusOK {
		t.Fatalf("with the proxy accepting: got %d, want 200", got)
	}
	if err := d.proxyAccepts(false); err != nil || d.proxyLn != nil {
		t.Fatalf("stopped: got %v, accept loop %v; want none", err, d.proxyLn)
	}
	conn, err := net.Dial("tcp", addr) // the socket stays open: the kernel queues this one
	if err != nil {
		t.Fatalf("with the proxy stopped, the public socket refused a client: %v", err)
	}
	defer conn.Close()
	if err := d.proxyAccepts(true); err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "GET / HTTP/1.1\r\nHost: %s\r\n\r\n", addr)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("the client queued while the proxy was stopped: got %v, %v; want 200", resp, err)
	}
	resp.Body.Close()
}

// ask sends one request to addr on a connection of its own and returns the status.
func ask(t *testing.T, addr string) int {
	t.Helper()
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Get("http://" + addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
