package socket

import (
	"context"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cutover-dev/cutover/internal/freeport"
)

// server is a small Python app that inherits the shared socket as fd 3 and behaves as its mode
// says: "notify" sends READY=1, "accept" serves 200 on fd 3, "unhealthy" serves 503 there, "port"
// serves 200 on $PORT, "exit" exits at once. Modes combine with commas.
const server = `
import os, select, socket, sys, threading, time
modes = sys.argv[1].split(",")
if "exit" in modes:
    sys.exit(3)
def serve(s, status):
    while True:
        select.select([s], [], [])  # the shared socket is non-blocking: every holder shares its mode
        try:
            c, _ = s.accept()
        except BlockingIOError:
            continue  # another process took it
        c.setblocking(True)
        c.recv(65536)
        c.sendall(b"HTTP/1.1 " + status + b"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        c.close()
if "port" in modes:
    p = socket.create_server(("127.0.0.1", int(os.environ["PORT"])))
    threading.Thread(target=serve, args=(p, b"200 OK"), daemon=True).start()
if "accept" in modes or "unhealthy" in modes:
    s = socket.socket(fileno=3)
    threading.Thread(target=serve, args=(s, b"200 OK" if "accept" in modes else b"503 Busy"), daemon=True).start()
if "notify" in modes:
    addr = os.environ["NOTIFY_SOCKET"].replace("@", "\0", 1)
    socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto(b"READY=1", addr)
time.sleep(60)
`

// startServer starts the Python app in mode, in a process group of its own, and returns it as Booting.
func startServer(t *testing.T, s *Shared, n *Notifier, mode string) Booting {
	t.Helper()
	port := freePort(t)
	cmd := exec.Command("python3", "-c", server, mode)
	cmd.Env = append(os.Environ(), n.Env(), "PORT="+strconv.Itoa(port))
	cmd.ExtraFiles = []*os.File{s.File()}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() { cmd.Process.Kill(); <-exited })
	return Booting{Name: "web." + mode, Group: cmd.Process.Pid, HealthURL: "http://127.0.0.1:" + strconv.Itoa(port) + "/up", Exited: exited}
}

func freePort(t *testing.T) int {
	port, err := freeport.Pick()
	if err != nil {
		t.Fatal(err)
	}
	return port
}

// serveOld answers 200 on the shared socket from this process, as an old release still serving
// does, so that probes have competition.
func serveOld(t *testing.T, s *Shared) {
	ln, err := s.Listener()
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
}

func TestReadiness(t *testing.T) {
	tests := []struct {
		mode    string
		ready   bool
		wantErr []string // parts of the error
	}{
		{"notify,accept", true, nil},
		{"port,accept", true, nil},
		{"accept", true, nil}, // its health path answers 2xx through the shared socket
		{"exit", false, []string{"exited before it was ready"}},
		{"notify", false, []string{"said READY=1, but never accepted a connection on the shared socket", "LISTEN_PID", "exec"}},
		{"port", false, []string{"answered its health path on $PORT, but never accepted"}},
		{"unhealthy", false, []string{"accepted connections on the shared socket, but never said READY=1", "last health answer: 503"}},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			s := listen(t)
			serveOld(t, s)
			n, err := NewNotifier()
			if err != nil {
				t.Fatal(err)
			}
			defer n.Close()
			b := startServer(t, s, n, tt.mode)
			timeout := 30 * time.Second // only a bound: a ready process passes long before
			if !tt.ready {
				timeout = 3 * time.Second
			}
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			err = Readiness{Shared: s, Notifier: n, HealthPath: "/up", Interval: 20 * time.Millisecond}.Wait(ctx, []Booting{b})
			if tt.ready {
				if err != nil {
					t.Fatalf("got %v, want ready", err)
				}
				return
			}
			var nr *NotReadyError
			if !errors.As(err, &nr) || nr.Name != b.Name {
				t.Fatalf("got %v, want a *NotReadyError for %s", err, b.Name)
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q: want it to contain %q", err, w)
				}
			}
		})
	}
}
