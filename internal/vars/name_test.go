package vars

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckName(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"DATABASE_URL", true}, {"_X", true}, {"api_token2", true}, {"A", true},
		{"", false}, {"2FA", false}, {"MY-VAR", false}, {"A B", false}, {"A=B", false}, {"É", false},
		{"PORT", false}, {"CUTOVER_STATE", false}, {"LISTEN_FDS", false}, {"NOTIFY_SOCKET", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckName(tt.name)
			if (err == nil) != tt.ok || (err != nil && !errors.Is(err, ErrInvalidName)) {
				t.Errorf("CheckName(%q): got %v, want ok %v", tt.name, err, tt.ok)
			}
		})
	}
}

func TestParseAssignment(t *testing.T) {
	tests := []struct {
		arg, name, value string
		wantErr          string
	}{
		{"A=1", "A", "1", ""},
		{"URL=postgres://u:p@h/db?x=y", "URL", "postgres://u:p@h/db?x=y", ""},
		{"EMPTY=", "EMPTY", "", ""},
		{"s3cret", "", "", "no '='"},
		{"=s3cret", "", "", "empty"},
		{"1X=s3cret", "", "", `"1X"`},
	}
	for _, tt := range tests {
		t.Run(tt.arg, func(t *testing.T) {
			name, value, err := ParseAssignment(tt.arg)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || strings.Contains(err.Error(), "s3cret") {
					t.Errorf("got %v, want an error saying %q that quotes no value", err, tt.wantErr)
				}
				return
			}
			if err != nil || name != tt.name || value != tt.value {
				t.Errorf("got %q, %q, %v; want %q, %q", name, value, err, tt.name, tt.value)
			}
		})
	}
}
