package cli

import (
	"testing"
	"time"

	"github.com/cutover-dev/cutover/internal/control"
)

// TestCertSummary: an app's certificates in a few words: counts by state, the earliest expiry.
func TestCertSummary(t *testing.T) {
	soon := time.Date(2027, 1, 2, 3, 4, 0, 0, time.Local)
	for _, tc := range []struct {
		certs []control.CertState
		want  string
	}{
		{nil, "-"},
		{[]control.CertState{{Status: "valid", NotAfter: soon.Add(time.Hour)}, {Status: "valid", NotAfter: soon}},
			"2 valid, until 2027-01-02 03:04"},
		{[]control.CertState{{Status: "files", NotAfter: soon}, {Status: "failing"}}, "1 valid (own files), 1 failing, until 2027-01-02 03:04"},
		{[]control.CertState{{Status: "files-invalid"}}, "1 own files unusable"},
	} {
		if got := certSummary(tc.certs); got != tc.want {
			t.Errorf("certSummary(%v) = %q, want %q", tc.certs, got, tc.want)
		}
	}
}
