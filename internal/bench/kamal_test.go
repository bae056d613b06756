package bench

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
)

// TestStartKamalTLS starts kamal-proxy, where it is installed, as a TLS bench does: it serves the
// bench's certificate, agrees on the bench's TLS parameters, and answers through to the backend.
func TestStartKamalTLS(t *testing.T) {
	if _, err := lookTool(KamalProxy); err != nil {
		t.Skipf("%s is not installed (%s)", KamalProxy, installHints[KamalProxy])
	}
	backend := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	t.Cleanup(backend.Close)
	sec, err := newBenchTLS(t.TempDir(), false)
	if err != nil {
		t.Fatal(err)
	}
	listen, err := freeAddr()
	if err != nil {
		t.Fatal(err)
	}
	ch, err := startComparator(context.Background(), comparator{name: KamalProxy}, lookTool, t.TempDir(), listen, backend.Listener.Addr().String(), sec)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ch.stop(DefaultStopTimeout) })
	if err := sec.check(context.Background(), listen, ""); err != nil {
		t.Fatal(err)
	}
	res, err := sec.probeClient("").Get(targetURL(listen, sec))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("through kamal-proxy over TLS: got %d, want 200", res.StatusCode)
	}
}

func TestWithoutVar(t *testing.T) {
	env := []string{"A=1", "KAMAL_PROXY_SOCKET=/run/k.sock", "KAMAL_PROXY_SOCKETX=2"}
	if got := withoutVar(env, "KAMAL_PROXY_SOCKET"); !slices.Equal(got, []string{"A=1", "KAMAL_PROXY_SOCKETX=2"}) {
		t.Errorf("got %q, want the variable alone left out", got)
	}
}
