package deploy

import (
	"strings"
	"testing"

	"github.com/cutover-dev/cutover/internal/procfile"
)

func TestCheckFormation(t *testing.T) {
	pf, err := procfile.Parse(strings.NewReader("web: a\nworker: b\nrelease: c\n"), "Procfile")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		want map[string]int
		err  string
	}{
		{map[string]int{"web": 3, "worker": 0}, ""},
		{map[string]int{"web": 0}, "one web process at least"},
		{map[string]int{"clock": 1}, `no process type "clock"`},
		{map[string]int{"release": 2}, `no process type "release"`},
		{map[string]int{"worker": 65}, "use 0 to 64 processes"},
	}
	for _, tt := range tests {
		err := checkFormation(pf, tt.want)
		if (tt.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("checkFormation(%v) = %v, want %q", tt.want, err, tt.err)
		}
	}
}
