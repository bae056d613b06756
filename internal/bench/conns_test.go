package bench_test

import (
	"context"
	"encoding/json"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cutover-dev/cutover/internal/bench"
)

// TestRunConns holds a few hundred connections to the app alone and to a real `cutover serve`, and
// checks only correctness: every connection was served before and after the wait, and the figures
// are all there.
func TestRunConns(t *testing.T) {
	const n = 300
	rep, err := bench.RunConns(context.Background(), bench.ConnsOptions{Exe: cutoverExe(t), Conns: n, Settle: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Targets) != 2 || rep.Targets[0].Name != bench.TargetApp || rep.Targets[1].Name != bench.TargetDaemon {
		t.Fatalf("got targets %+v, want the app alone, then cutover serve", rep.Targets)
	}
	for _, tg := range rep.Targets {
		if tg.Failed != 0 {
			t.Errorf("%s: %d of %d connections failed: %s", tg.Name, tg.Failed, n, tg.FirstErr)
		}
		if tg.Pid <= 0 || tg.IdleRSS <= 0 || tg.RSS <= 0 {
			t.Errorf("%s: got pid %d, idle RSS %d, RSS %d; want all positive", tg.Name, tg.Pid, tg.IdleRSS, tg.RSS)
		}
	}
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	for _, field := range []string{`"connections"`, `"targets"`, `"idle_rss_bytes"`, `"rss_bytes"`, `"per_connection_bytes"`, `"failed"`, `"per_connection_ratio"`} {
		if !strings.Contains(string(b), field) {
			t.Errorf("got JSON without %s: %s", field, b)
		}
	}
	var text strings.Builder
	if err := rep.Format(&text); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"300 idle keep-alive client connections", bench.TargetApp, bench.TargetDaemon, "PER CONN"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("got a table without %q:\n%s", want, &text)
		}
	}
}

func TestRunConnsRefusesBadOptions(t *testing.T) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		opts bench.ConnsOptions
		want string
	}{
		{"no binary", bench.ConnsOptions{}, "binary"},
		{"too many", bench.ConnsOptions{Exe: "x", Conns: bench.MaxIdleConns + 1}, "out of bounds"},
		{"negative settle", bench.ConnsOptions{Exe: "x", Settle: -time.Second}, "negative"},
	}
	if lim.Cur < bench.MaxIdleConns {
		tests = append(tests, struct {
			name string
			opts bench.ConnsOptions
			want string
		}{"over the file limit", bench.ConnsOptions{Exe: "x", Conns: int(lim.Cur)}, "ulimit -n"})
	}
	if half := int(lim.Cur) / 2; half > 0 && half <= bench.MaxIdleConns {
		// Within this process's limit, past what cutover serve admits under it: the bench
		// would see the last connections refused at the proxy's cap.
		tests = append(tests, struct {
			name string
			opts bench.ConnsOptions
			want string
		}{"past the daemon's connection cap", bench.ConnsOptions{Exe: "x", Conns: half}, "ulimit -n"})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := bench.RunConns(context.Background(), tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error saying %q", err, tt.want)
			}
		})
	}
}
