package cli

import (
	"testing"
	"time"

	"github.com/cutover-dev/cutover/internal/control"
	"github.com/cutover-dev/cutover/internal/process"
)

func TestStatusHealthAndLastExit(t *testing.T) {
	ago := time.Now().Add(-40 * time.Second)
	tests := []struct {
		name       string
		p          control.ProcessState
		health     string
		lastExitIs string
	}{
		{"never exited", control.ProcessState{Health: "healthy"}, "healthy", "-"},
		{"worker", control.ProcessState{}, "-", "-"},
		{"exited with a status", control.ProcessState{Health: "healthy", Restarts: 1,
			LastExit: &process.Exit{Time: ago, Code: 3}}, "healthy", "status 3, 40s ago"},
		{"killed", control.ProcessState{LastExit: &process.Exit{Time: ago, Code: -1, Signal: "SIGKILL"}}, "-", "SIGKILL, 40s ago"},
		{"adopted", control.ProcessState{LastExit: &process.Exit{Time: ago, Code: -1, Message: "exited (adopted)"}}, "-", "exited (adopted), 40s ago"},
		{"crash-looping", control.ProcessState{Health: "healthy", Restarts: 5,
			LastExit: &process.Exit{Time: ago, Code: 1}, Loop: &process.Loop{Restarts: 5, Since: ago}},
			"crash-looping (5 restarts in the last 40s)", "status 1, 40s ago"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := health(tt.p); got != tt.health {
				t.Errorf("health: got %q, want %q", got, tt.health)
			}
			if got := lastExit(tt.p); got != tt.lastExitIs {
				t.Errorf("last exit: got %q, want %q", got, tt.lastExitIs)
			}
		})
	}
}

func TestStatusLiveLine(t *testing.T) {
	tests := []struct {
		st   control.Status
		want string
	}{
		{control.Status{Live: "v2", Source: "/srv/app"}, "v2 /srv/app"},
		{control.Status{}, "none yet (deploy with `cutover deploy APP_DIR`)"},
		{control.Status{Recorded: "v18"}, "none running: v18 is recorded live but did not boot when the daemon started (see its log); deploy, or roll back"},
	}
	for _, tt := range tests {
		if got := liveLine(tt.st); got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
}
