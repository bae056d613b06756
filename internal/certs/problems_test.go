package certs

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mholt/acmez/v3/acme"
)

func TestExplain(t *testing.T) {
	next := time.Date(2026, 12, 5, 20, 0, 0, 0, time.UTC)
	problem := func(typ string) error {
		return fmt.Errorf("[a.test] Obtain: %w", acme.Problem{Type: acme.ProblemTypeNamespace + typ, Detail: "detail"})
	}
	refused := &url.Error{Op: "Get", URL: "https://ca/dir", Err: &net.OpError{Op: "dial", Net: "tcp",
		Err: errors.New("connection refused")}}
	tests := []struct {
		name string
		err  error
		next time.Time
		want string
	}{
		{"dns", problem("dns"), next, "DNS for a.test does not resolve"},
		{"connection", problem("connection"), next, "could not connect to a.test on port 80/443: does DNS for a.test point to this server?"},
		{"unauthorized", problem("unauthorized"), next, "another server answered the CA for a.test"},
		{"incorrect response", problem("incorrectResponse"), next, "another server answered the CA for a.test"},
		{"rate limited", problem("rateLimited"), next, "the CA's rate limit stops a certificate for a.test for now; next try at 2026-12-05 20:00:00 UTC"},
		{"subproblem", acme.Problem{Type: acme.ProblemTypeNamespace + "compound", Subproblems: []acme.Subproblem{
			{Problem: acme.Problem{Type: acme.ProblemTypeNamespace + "dns"}}}}, next, "DNS for a.test does not resolve"},
		{"other problem", problem("badCSR"), time.Time{}, "the CA refused a certificate for a.test: detail"},
		{"CA unreachable", fmt.Errorf("provisioning: %w", refused), next, "cannot reach the CA at https://ca/dir (connection refused); next try at 2026-12-05 20:00:00 UTC"},
		{"anything else", errors.New("disk full"), time.Time{}, "getting a certificate for a.test failed: disk full"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := explain(tt.err, "a.test", "https://ca/dir", tt.next)
			if !strings.Contains(got, tt.want) {
				t.Errorf("got %q, want it to contain %q", got, tt.want)
			}
			if tt.next.IsZero() && strings.Contains(got, "next try") {
				t.Errorf("got %q, want no next try", got)
			}
		})
	}
}

func TestRetryWait(t *testing.T) {
	tests := []struct {
		attempt int
		want    time.Duration
	}{{0, time.Minute}, {1, 2 * time.Minute}, {3, 5 * time.Minute}, {24, 6 * time.Hour}, {1000, 6 * time.Hour}}
	for _, tt := range tests {
		if got := retryWait(tt.attempt); got != tt.want {
			t.Errorf("retryWait(%d): got %s, want %s", tt.attempt, got, tt.want)
		}
	}
}
