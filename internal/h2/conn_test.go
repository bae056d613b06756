package h2

import (
	"context"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"golang.org/x/net/http2"
)

// TestPreface: a client that does not open with HTTP/2's preface, or says nothing, is closed.
func TestPreface(t *testing.T) {
	addr := serve(t, &Server{Handler: hello, PrefaceTimeout: 200 * time.Millisecond})
	for _, tt := range []struct{ name, send string }{
		{"HTTP/1.1", "GET / HTTP/1.1\r\nHost: x\r\n\r\n"},
		{"nothing", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			nc, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer nc.Close()
			io.WriteString(nc, tt.send)
			nc.SetReadDeadline(time.Now().Add(5 * time.Second))
			if _, err := io.ReadAll(nc); err != nil {
				t.Errorf("got %v, want the connection closed", err)
			}
		})
	}
}

// TestIdleTimeout: a connection with no stream for IdleTimeout gets GOAWAY and is closed.
func TestIdleTimeout(t *testing.T) {
	r := dial(t, serve(t, &Server{Handler: hello, IdleTimeout: 200 * time.Millisecond}))
	r.headers(1, true, get("/")...)
	r.response(1)
	if got := r.goAway(); got != http2.ErrCodeNo {
		t.Errorf("got GOAWAY %v, want NO_ERROR", got)
	}
	r.closed()
}

// TestConnectionCloseSendsGoAway: a handler's Connection: close (how the proxy retires a
// connection) makes the connection send GOAWAY: the streams open finish, later ones are refused,
// and the connection closes after the last.
func TestConnectionCloseSendsGoAway(t *testing.T) {
	release := make(chan struct{})
	r := dial(t, serve(t, &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Path == "/slow" {
			<-release
		} else {
			w.Header().Set("Connection", "close")
		}
		io.WriteString(w, "done")
	})}))
	r.headers(1, true, get("/slow")...)
	r.headers(3, true, get("/")...)
	var response, goAway bool // in either order: the GOAWAY may leave before the response
	r.until("the response and GOAWAY", func(f http2.Frame) bool {
		switch f := f.(type) {
		case *http2.MetaHeadersFrame:
			if f.StreamID == 3 {
				response = true
				for _, hf := range f.Fields {
					if hf.Name == ":status" && hf.Value != "200" || hf.Name == "connection" {
						t.Errorf("got %s: %s, want 200 without the connection field", hf.Name, hf.Value)
					}
				}
			}
		case *http2.GoAwayFrame:
			goAway = true
			if f.ErrCode != http2.ErrCodeNo {
				t.Errorf("got GOAWAY %v, want NO_ERROR", f.ErrCode)
			}
		}
		return response && goAway
	})
	r.headers(5, true, get("/")...)
	if got := r.reset(5); got != http2.ErrCodeRefusedStream {
		t.Errorf("got RST_STREAM %v for a stream after GOAWAY, want REFUSED_STREAM", got)
	}
	close(release)
	if fields := r.response(1); fields[":status"] != "200" {
		t.Errorf("got %v for the stream open at GOAWAY, want it finished with 200", fields)
	}
	r.closed()
}

// TestClientThatStopsReading: a client that stops reading its socket loses the connection after
// WriteTimeout, and the handler writing to it sees its context end: nothing waits for good.
func TestClientThatStopsReading(t *testing.T) {
	gone := make(chan error, 1)
	srv := &Server{WriteTimeout: 300 * time.Millisecond, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		chunk := make([]byte, 64<<10)
		for {
			if _, err := w.Write(chunk); err != nil {
				gone <- r.Context().Err()
				return
			}
			w.(http.Flusher).Flush()
		}
	})}
	r := dial(t, serve(t, srv))
	r.fr.WriteSettings(http2.Setting{ID: http2.SettingInitialWindowSize, Val: maxWindow})
	r.fr.WriteWindowUpdate(0, maxWindow-initialWindow)
	r.headers(1, true, get("/")...)
	select {
	case err := <-gone:
		if err == nil {
			t.Error("the handler's write failed with its context still live, want it ended first")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the handler still writes to a client that reads nothing")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Errorf("Shutdown: %v (the connection was left open)", err)
	}
}
