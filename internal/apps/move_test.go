package apps

import (
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cutover-dev/cutover/internal/control"
)

// waitRequests bounds how long TestMoveHosts waits for requests between two moves.
const waitRequests = 10 * time.Second

// TestMoveHosts: a host moves from one app to another in one step: requests for it all the while
// reach one app or the other (503: no release yet), never 404; the change is written for a new
// daemon, and a move that cannot be made says why and changes nothing.
func TestMoveHosts(t *testing.T) {
	state := t.TempDir()
	s, url := testSet(t, state)
	for name, hosts := range map[string][]string{"blog": {"blog.test", "x.test"}, "shop": {"shop.test"}} {
		if _, err := s.Create(name, Settings{Hosts: hosts}); err != nil {
			t.Fatal(err)
		}
	}

	// Requests for x.test, one after another, while it moves back and forth.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	seen := map[int]int{}
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			req, _ := http.NewRequest(http.MethodGet, url+"/", nil)
			req.Host = "x.test"
			resp, err := http.DefaultClient.Do(req)
			status := 0
			if err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				status = resp.StatusCode
			}
			mu.Lock()
			seen[status]++
			mu.Unlock()
		}
	})
	total := func() int {
		mu.Lock()
		defer mu.Unlock()
		n := 0
		for _, c := range seen {
			n += c
		}
		return n
	}
	for i := range 20 {
		// Let requests in between the moves.
		for before, deadline := total(), time.Now().Add(waitRequests); total() < before+2 && time.Now().Before(deadline); {
			time.Sleep(time.Millisecond)
		}
		to := []string{"shop", "blog"}[i%2]
		if _, err := s.MoveHosts(to, []string{"X.test"}); err != nil {
			close(stop)
			wg.Wait()
			t.Fatalf("move %d to %s: %v", i, to, err)
		}
	}
	close(stop)
	wg.Wait()
	if len(seen) != 1 || seen[503] == 0 {
		t.Errorf("requests for x.test while it moved: got statuses %v, want 503 (an app with no release) only", seen)
	}

	if _, err := s.MoveHosts("shop", []string{"x.test"}); err != nil {
		t.Fatal(err)
	}
	s2, _ := testSet(t, state)
	for name, want := range map[string][]string{"blog": {"blog.test"}, "shop": {"shop.test", "x.test"}} {
		if a, err := s2.Get(name); err != nil || !slices.Equal(a.Settings().Hosts, want) {
			t.Errorf("reopened %s: got %v, %v; want hosts %v", name, a.Settings().Hosts, err, want)
		}
	}

	for _, tc := range []struct {
		to    string
		hosts []string
		want  string
	}{
		{"shop", []string{"shop.test"}, "has the host shop.test already"},
		{"shop", []string{"nobody.test"}, "no app has the host nobody.test: add it with `cutover apps hosts add shop nobody.test`"},
		{"shop", []string{"bad host"}, "not allowed"},
		{"nope", []string{"blog.test"}, `no such app "nope"`},
	} {
		if _, err := s.MoveHosts(tc.to, tc.hosts); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("MoveHosts(%s, %v): got %v, want %q", tc.to, tc.hosts, err, tc.want)
		}
	}
	if _, err := s.MoveHosts("nope", []string{"blog.test"}); !errors.Is(err, control.ErrNoApp) {
		t.Errorf("move to an unknown app: got %v, want ErrNoApp", err)
	}
	if a, _ := s.Get("blog"); !slices.Equal(a.Settings().Hosts, []string{"blog.test"}) {
		t.Errorf("after refused moves: blog has %v, want [blog.test]", a.Settings().Hosts)
	}

	// Adding a host another app has says how to move it.
	_, err := s.SetHosts("blog", func(h []string) ([]string, error) { return append(h, "shop.test"), nil })
	if err == nil || !strings.Contains(err.Error(), "`cutover apps hosts move blog HOST`") {
		t.Errorf("adding another app's host: got %v, want it to say how to move it", err)
	}
}
