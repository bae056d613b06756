package loadgen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"syscall"
	"testing"
	"time"
)

func TestClassify(t *testing.T) {
	opErr := func(op string, errno syscall.Errno) error {
		return &url.Error{Op: "Get", URL: "http://127.0.0.1:1/", Err: &net.OpError{Op: op, Net: "tcp", Err: os.NewSyscallError(op, errno)}}
	}
	tests := []struct {
		name   string
		status int
		err    error
		want   Class
	}{
		{"200", 200, nil, ClassOK},
		{"302", 302, nil, ClassOK},
		{"404", 404, nil, ClassOther},
		{"502", 502, nil, ClassServerError},
		{"refused", 0, opErr("dial", syscall.ECONNREFUSED), ClassRefused},
		{"reset", 0, opErr("read", syscall.ECONNRESET), ClassReset},
		{"broken pipe", 0, opErr("write", syscall.EPIPE), ClassReset},
		{"closed before answering", 0, &url.Error{Op: "Get", Err: io.EOF}, ClassReset},
		{"body cut short", 200, io.ErrUnexpectedEOF, ClassReset},
		{"deadline", 0, &url.Error{Op: "Get", Err: context.DeadlineExceeded}, ClassTimeout},
		{"net timeout", 0, &net.OpError{Op: "dial", Err: timeoutErr{}}, ClassTimeout},
		{"other", 0, errors.New("tls: bad certificate"), ClassOther},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := classify(tt.status, tt.err); got != tt.want {
				t.Errorf("classify(%d, %v): got %q, want %q", tt.status, tt.err, got, tt.want)
			}
		})
	}
}

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

func TestResultString(t *testing.T) {
	tests := []struct {
		name string
		res  Result
		want string
	}{
		{
			name: "clean",
			res:  Result{Sent: 2400, OK: 2400, P50: 1234 * time.Microsecond, P99: 4500 * time.Microsecond},
			want: "sent 2400, failed 0 (refused 0, reset 0, 5xx 0, timeout 0), p50 1.23ms, p99 4.5ms",
		},
		{
			name: "failures, retries and unsent",
			res: Result{Sent: 10, OK: 3, Failed: 7, Retries: 2, Unsent: 4,
				ByClass: map[Class]int64{ClassRefused: 1, ClassReset: 2, ClassServerError: 1, ClassTimeout: 2, ClassOther: 1},
				P50:     time.Millisecond, P99: 10 * time.Second},
			want: "sent 10, failed 7 (refused 1, reset 2, 5xx 1, timeout 2, other 1), p50 1ms, p99 10s, retries 2, unsent 4",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.res.String(); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestWindowRecomputes(t *testing.T) {
	base := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	tl := newTally(true)
	for i := range 10 {
		s := Sample{Start: base.Add(time.Duration(i) * time.Second), Status: 200}
		s.End = s.Start.Add(time.Duration(i+1) * time.Millisecond)
		if i%3 == 0 {
			s.Status, s.Class = 503, ClassServerError
		}
		s.Retried = i == 5
		tl.add(s)
	}
	all := tl.result()
	w := all.Window(base.Add(3*time.Second), base.Add(7*time.Second))
	// Samples 3, 4, 5 and 6: 3 and 6 failed, 5 was retried.
	if w.Sent != 4 || w.OK != 2 || w.Failed != 2 || w.ByClass[ClassServerError] != 2 || w.Retries != 1 {
		t.Errorf("got %+v, want 4 sent, 2 ok, 2 failed as 5xx, 1 retry", w)
	}
	if w.Max != 7*time.Millisecond || len(w.Samples) != 4 || !w.Samples[0].Start.Equal(base.Add(3*time.Second)) {
		t.Errorf("got max %v and %d samples from %v, want 7ms and 4 from 12:00:03", w.Max, len(w.Samples), w.Samples[0].Start)
	}
	if got := (&Result{Sent: 5}).Window(base, base.Add(time.Hour)); got.Sent != 0 {
		t.Errorf("window without samples: got %d sent, want 0", got.Sent)
	}
	if got := fmt.Sprint(all.Window(base, base.Add(time.Hour)).Sent); got != "10" {
		t.Errorf("whole window: got %s sent, want 10", got)
	}
}
