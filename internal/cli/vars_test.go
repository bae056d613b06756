package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/cutover-dev/cutover/internal/control"
)

// TestShowVars: names with masked values, never a value, and a word when the live release runs
// with another version than the next deploy would (the commands against a real daemon are in
// testdata/script/vars.txtar).
func TestShowVars(t *testing.T) {
	tests := []struct {
		info control.VarsInfo
		want []string
	}{
		{control.VarsInfo{}, []string{"no config vars"}},
		{control.VarsInfo{Version: 2, Names: []string{"API_TOKEN"}, Live: "v3", LiveVersion: 2}, []string{"config vars version 2:", "API_TOKEN", control.Masked}},
		{control.VarsInfo{Version: 3, Names: []string{"A"}, Live: "v3", LiveVersion: 2}, []string{"v3 runs with version 2; the next deploy boots with version 3"}},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		if err := showVars(&globals{stdout: &out}, tt.info); err != nil {
			t.Fatal(err)
		}
		for _, w := range tt.want {
			if !strings.Contains(out.String(), w) {
				t.Errorf("%+v: output %q, want %q", tt.info, out.String(), w)
			}
		}
	}
}
