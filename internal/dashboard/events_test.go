package dashboard

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cutover-dev/cutover/internal/applog"
	"github.com/cutover-dev/cutover/internal/control"
)

// racyLog is an app log where a line is written while Tail runs, just after it took its copy;
// the rest of control.AppService is not called.
type racyLog struct {
	control.AppService
	mu        sync.Mutex
	followers []chan applog.Line
}

func (a *racyLog) Tail(int, string) ([]applog.Line, error) {
	old := []applog.Line{{Process: "web.1", Text: "before"}}
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, ch := range a.followers {
		ch <- applog.Line{Process: "web.1", Text: "between"}
	}
	return old, nil
}

func (a *racyLog) Follow(ctx context.Context, _ string) <-chan applog.Line {
	ch := make(chan applog.Line, 10)
	a.mu.Lock()
	a.followers = append(a.followers, ch)
	a.mu.Unlock()
	go func() {
		<-ctx.Done()
		a.mu.Lock()
		defer a.mu.Unlock()
		close(ch)
	}()
	return ch
}

// oneApp is a daemon with one app, named "shop".
type oneApp struct{ app control.AppService }

func (o oneApp) Apps(context.Context) []control.AppInfo { return []control.AppInfo{{Name: "shop"}} }
func (o oneApp) App(string) (control.AppService, error) { return o.app, nil }

// TestLogLineBetweenTailAndFollow: a line written while the log stream starts is sent.
func TestLogLineBetweenTailAndFollow(t *testing.T) {
	ts := httptest.NewServer(New(Options{Source: oneApp{&racyLog{}}}))
	t.Cleanup(ts.Close)
	client := &http.Client{Timeout: 10 * time.Second} // a lost line would leave the stream waiting
	resp, err := client.Get(ts.URL + "/apps/shop/logs")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if got := resp.Header.Get("X-Accel-Buffering"); got != "no" {
		t.Errorf("got X-Accel-Buffering %q, want no: nginx in front would hold the events back", got)
	}
	var texts []string
	sc := bufio.NewScanner(resp.Body)
	for len(texts) < 2 && sc.Scan() {
		if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
			texts = append(texts, d)
		}
	}
	got := strings.Join(texts, "\n")
	if !strings.Contains(got, `"before"`) || !strings.Contains(got, `"between"`) {
		t.Errorf("got lines %s, want before and between", got)
	}
}

// TestStreamWriteDeadline: a stream to a client that stops reading ends within the write timeout.
func TestStreamWriteDeadline(t *testing.T) {
	done := make(chan error, 1)
	big := strings.Repeat("x", 64<<10)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		send, ok := sse(w, 50*time.Millisecond)
		if !ok {
			done <- nil
			return
		}
		for {
			if err := send("line", big); err != nil {
				done <- err
				return
			}
		}
	}))
	t.Cleanup(ts.Close)
	conn, err := net.Dial("tcp", ts.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	// The client reads nothing: without a write deadline the handler would block forever.
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("got no stream, want one that ends on its write deadline")
		}
	case <-time.After(time.Minute):
		t.Fatal("the stream still writes to a client that reads nothing, want it ended by its write deadline")
	}
}
