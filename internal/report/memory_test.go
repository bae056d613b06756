package report

import (
	"os"
	"runtime/debug"
	"testing"
)

func TestReadMemory(t *testing.T) {
	m, err := ReadMemory(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if m.RSS <= 0 || m.Peak < m.RSS {
		t.Errorf("got RSS %d and peak %d, want a positive RSS no larger than the peak", m.RSS, m.Peak)
	}
	if _, err := ReadMemory(-1); err == nil {
		t.Error("got no error for a process that does not exist, want one")
	}
}

func TestResetPeak(t *testing.T) {
	const size = 64 << 20
	ballast := make([]byte, size)
	for i := range ballast {
		ballast[i] = 1
	}
	before, err := ReadMemory(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	ballast = nil
	debug.FreeOSMemory() // the ballast leaves RSS; the peak stays until the reset
	if err := ResetPeak(os.Getpid()); err != nil {
		t.Skipf("this kernel will not reset the peak: %v", err)
	}
	after, err := ReadMemory(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if after.Peak > before.Peak-size/2 {
		t.Errorf("got peak %s after freeing %s and resetting, want it below %s", FormatBytes(after.Peak), FormatBytes(size), FormatBytes(before.Peak-size/2))
	}
}

func TestParseKB(t *testing.T) {
	tests := []struct {
		in      string
		want    int64
		wantErr bool
	}{{"\t   1234 kB", 1234 << 10, false}, {" 0 kB", 0, false}, {" 12 MB", 0, true}, {" x kB", 0, true}}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseKB([]byte(tt.in))
			if got != tt.want || (err != nil) != tt.wantErr {
				t.Errorf("got %d, %v; want %d, error: %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestFormatBytes(t *testing.T) {
	if got, want := FormatBytes(23<<20+(1<<19)), "23.5 MB"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
