package cli

import (
	"bytes"
	"strings"
	"testing"
)

// TestAppsHTTPSFlags: flags that cannot go together, or no change at all, are refused before the
// daemon is asked (none runs in the state directory here).
func TestAppsHTTPSFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"shop"}, "nothing to change"},
		{[]string{"shop", "--acme", "--tls-cert", "c.pem", "--tls-key", "k.pem"}, "not both"},
		{[]string{"shop", "--redirect", "--no-redirect"}, "--redirect or --no-redirect"},
		{[]string{"shop", "--tls-key", "k.pem"}, "together"},
		{[]string{"shop", "--hsts", "max-age=60"}, "no cutover daemon is running"}, // valid: asks the daemon
	} {
		var out bytes.Buffer
		root := newRoot(&out, &out)
		root.SetArgs(append([]string{"apps", "https", "--state", t.TempDir()}, tc.args...))
		if err := root.Execute(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("apps https %q: got %v, want %q", tc.args, err, tc.want)
		}
	}
}
