package proxy

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestSlowUploads: the response-header timeout counts from the end of the request body, so an
// upload that takes longer than it but never pauses past the body read timeout is answered; one
// that pauses past the body read timeout is cut off, and the app never gets it whole. So on the
// fast path, on the general path after a hand-off, and over HTTP/2.
func TestSlowUploads(t *testing.T) {
	for _, path := range []string{"fast path", "general path after a hand-off", "HTTP/2", "HTTP/2 buffered", "fast path buffered"} {
		t.Run(path, func(t *testing.T) { testSlowUploads(t, path) })
	}
}

func testSlowUploads(t *testing.T, path string) {
	got := make(chan int, 4)
	backend := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return
		}
		if r.Method == http.MethodPost {
			got <- len(b)
		}
		fmt.Fprintf(w, "got %d", len(b))
	})
	var seen refusals
	// The timeouts are eight times the pause between pieces, so that a loaded machine (CI under
	// -race on 2 cores) does not stretch a 60 ms pause into a body read timeout.
	opts := Options{ResponseHeaderTimeout: 600 * time.Millisecond, BodyReadTimeout: 500 * time.Millisecond, Observe: seen.observe}
	// upload sends 10 bytes, then pauses times pause and 10 bytes more, and returns the answer.
	var upload func(pause time.Duration, pauses int) (string, error)
	buffered := strings.HasSuffix(path, " buffered")
	path = strings.TrimSuffix(path, " buffered")
	if path == "HTTP/2" {
		p, addr, roots := startTLSProxy(t, opts)
		if buffered {
			p.Site().SetBuffering(Buffering{Requests: true})
		}
		p.Switch(NewPool("v1", []Backend{startBackend(t, "web.1", backend)}))
		c := tlsClient(t, roots, true)
		upload = func(pause time.Duration, pauses int) (string, error) {
			pr, pw := io.Pipe()
			go func() {
				for i := 0; i <= pauses; i++ {
					if i > 0 {
						time.Sleep(pause)
					}
					if _, err := io.WriteString(pw, strings.Repeat("x", 10)); err != nil {
						return
					}
				}
				pw.Close()
			}()
			req, _ := http.NewRequest(http.MethodPost, "https://"+addr+"/up", pr)
			req.ContentLength = int64(10 * (pauses + 1))
			status, body, err := readAll(c.Do(req))
			return fmt.Sprintf("%d %s", status, body), err
		}
	} else {
		p, url := startProxy(t, opts)
		if buffered {
			p.Site().SetBuffering(Buffering{Requests: true})
		}
		p.Switch(NewPool("v1", []Backend{startBackend(t, "web.1", backend)}))
		upload = func(pause time.Duration, pauses int) (string, error) {
			return rawUpload(t, url, path != "fast path", pause, pauses)
		}
	}

	// 22 pieces 60 ms apart: 1.26 s in all, over twice the response-header timeout.
	if answer, err := upload(60*time.Millisecond, 21); err != nil || answer != "200 got 220" {
		t.Errorf("a slow upload that never pauses long: got %q, %v; want 200 got 220", answer, err)
	}
	// A pause of 2 s, four times the body read timeout.
	if answer, err := upload(2*time.Second, 1); err == nil && strings.HasPrefix(answer, "200") {
		t.Errorf("an upload that stalls: got %q, want it cut off", answer)
	}
	select {
	case n := <-got:
		if n != 220 {
			t.Errorf("the app got a body of %d bytes, want only the whole 220 of the first upload", n)
		}
	default:
		t.Error("the app got no body")
	}
	select {
	case n := <-got:
		t.Errorf("the app got a second body of %d bytes, want none from the upload that stalled", n)
	default:
	}
}

// rawUpload is upload over a raw connection, first handed to the general path if handOff.
func rawUpload(t *testing.T, url string, handOff bool, pause time.Duration, pauses int) (string, error) {
	c, br := dialRaw(t, url)
	if handOff {
		io.WriteString(c, "GET http://a/first HTTP/1.1\r\nHost: a\r\n\r\n")
		if res, body := readResponse(t, br, http.MethodGet); res.StatusCode != http.StatusOK {
			t.Fatalf("the request that hands over: got %d (%s), want 200", res.StatusCode, body)
		}
	}
	fmt.Fprintf(c, "POST /up HTTP/1.1\r\nHost: a\r\nContent-Length: %d\r\n\r\n", 10*(pauses+1))
	for i := 0; i <= pauses; i++ {
		if i > 0 {
			time.Sleep(pause)
		}
		if _, err := io.WriteString(c, strings.Repeat("x", 10)); err != nil {
			return "", err
		}
	}
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return fmt.Sprintf("%d %s", res.StatusCode, b), nil
}
