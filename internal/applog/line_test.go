package applog

import (
	"testing"
	"time"
)

func TestLineString(t *testing.T) {
	tests := []struct {
		name string
		line Line
		want string
	}{
		{
			name: "utc",
			line: Line{Time: time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC), Release: "v3", Process: "web.1", Stream: "stdout", Text: "listening"},
			want: "2026-11-25T10:00:00Z v3 web.1 | listening",
		},
		{
			name: "other zone is shown in utc",
			line: Line{Time: time.Date(2026, 11, 25, 11, 0, 0, 500, time.FixedZone("CET", 3600)), Release: "v12", Process: "release", Text: ""},
			want: "2026-11-25T10:00:00Z v12 release | ",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.line.String(); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
