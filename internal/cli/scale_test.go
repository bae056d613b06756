package cli

import (
	"maps"
	"strings"
	"testing"
)

func TestParseScale(t *testing.T) {
	tests := []struct {
		args []string
		want map[string]int
		err  string
	}{
		{[]string{"web=3", "worker=0"}, map[string]int{"web": 3, "worker": 0}, ""},
		{[]string{"web"}, nil, `"web": give TYPE=N`},
		{[]string{"=2"}, nil, `"=2": give TYPE=N`},
		{[]string{"web=three"}, nil, `"web=three": give TYPE=N`},
		{[]string{"web=2", "web=3"}, nil, "web is given twice"},
	}
	for _, tt := range tests {
		got, err := parseScale(tt.args)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("parseScale(%q): %v, want an error with %q", tt.args, err, tt.err)
			}
			continue
		}
		if err != nil || !maps.Equal(got, tt.want) {
			t.Errorf("parseScale(%q) = %v, %v; want %v", tt.args, got, err, tt.want)
		}
	}
}
