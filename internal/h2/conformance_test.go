package h2

import (
	"net"
	"os/exec"
	"strings"
	"testing"
)

// TestConformance runs h2spec (github.com/summerwind/h2spec, a go tool of this module), the HTTP/2
// conformance suite of RFC 7540/7541, against the server: every case must pass.
func TestConformance(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs h2spec")
	}
	_, port, _ := net.SplitHostPort(serve(t, &Server{Handler: echo}))
	out, err := exec.Command("go", "tool", "h2spec", "-h", "127.0.0.1", "-p", port, "-o", "10").CombinedOutput()
	if err != nil {
		t.Fatalf("h2spec: %v\n%s", err, out)
	}
	summary := strings.TrimSpace(string(out))
	t.Log(summary[strings.LastIndexByte(summary, '\n')+1:])
}
