package cli

import (
	"context"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/cutover-dev/cutover/internal/config"
	"github.com/cutover-dev/cutover/internal/control"
)

func TestTrafficLines(t *testing.T) {
	ago := time.Now().Add(-40 * time.Second)
	tests := []struct {
		name string
		t    *control.Traffic
		want []string
	}{
		{"neither", nil, nil},
		{"paused", &control.Traffic{Paused: true, PausedSince: ago, PauseTimeout: config.Duration(30 * time.Second), Held: 1},
			[]string{"paused:    for 40s, 1 held request now (each up to 30s, then 503); `cutover resume` lets them through"}},
		{"maintenance", &control.Traffic{Maintenance: true, MaintenanceSince: ago, Page: "built-in", Allow: []string{"10.0.0.0/8", "127.0.0.2/32"}},
			[]string{"maintenance: on for 40s, answering 503 with the built-in page, except to 10.0.0.0/8, 127.0.0.2/32; `cutover maintenance off` ends it"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := trafficLines(tt.t)
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// cmdGetFrom sends a GET for PATH to the daemon from the local address ADDR (127.0.0.2 is
// loopback too), and checks that the status line, Retry-After or body has WANT:
// getfrom ADDR PATH WANT.
func cmdGetFrom(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 {
		ts.Fatalf("usage: getfrom ADDR PATH WANT")
	}
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(args[0])}}
	tr := &http.Transport{DialContext: d.DialContext}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr, Timeout: time.Minute}).Get("http://" + ts.Getenv("LISTEN") + args[1])
	ts.Check(err)
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	ts.Check(err)
	text := resp.Status + "\nRetry-After: " + resp.Header.Get("Retry-After") + "\n" + string(body)
	if got := strings.Contains(text, args[2]); got == neg {
		ts.Fatalf("GET %s from %s: got %q, want it to contain %q (negated: %v)", args[1], args[0], text, args[2], neg)
	}
}

// background holds the answers of each script's background GETs.
var background = struct {
	sync.Mutex
	answers map[*testscript.TestScript]chan string
}{answers: map[*testscript.TestScript]chan string{}}

func answersOf(ts *testscript.TestScript) chan string {
	background.Lock()
	defer background.Unlock()
	ch := background.answers[ts]
	if ch == nil {
		ch = make(chan string, 64)
		background.answers[ts] = ch
		ts.Defer(func() {
			background.Lock()
			delete(background.answers, ts)
			background.Unlock()
		})
	}
	return ch
}

// cmdGetBackground sends a GET for PATH to the daemon without waiting for the answer, which
// getwait reads: getbg PATH.
func cmdGetBackground(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: getbg PATH")
	}
	answers, url := answersOf(ts), "http://"+ts.Getenv("LISTEN")+args[0]
	go func() {
		resp, err := (&http.Client{Timeout: time.Minute}).Get(url)
		if err != nil {
			answers <- err.Error()
			return
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		answers <- resp.Status + " " + string(body)
	}()
}

// cmdGetWait waits for the answer of the earliest background GET not read yet, and checks it has
// WANT: getwait WANT.
func cmdGetWait(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: getwait WANT")
	}
	select {
	case got := <-answersOf(ts):
		if strings.Contains(got, args[0]) == neg {
			ts.Fatalf("background GET: got %q, want it to contain %q (negated: %v)", got, args[0], neg)
		}
	case <-time.After(time.Minute):
		ts.Fatalf("background GET: no answer in a minute")
	}
}

// cmdWaitHeld waits until the daemon's status shows N requests held by a pause: waitheld N.
func cmdWaitHeld(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: waitheld N")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	c := control.NewClient(ts.Getenv("CUTOVER_STATE_DIR"))
	deadline := time.Now().Add(60 * time.Second)
	for {
		st, err := c.Status(context.Background())
		ts.Check(err)
		if st.Traffic != nil && st.Traffic.Held == want {
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("waited 60s for %d held requests: status has %+v", want, st.Traffic)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
