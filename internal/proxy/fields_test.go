package proxy

import (
	"bytes"
	"strings"
	"testing"
)

func TestKindOf(t *testing.T) {
	tests := map[string]fieldKind{
		"Host": kindHost, "HOST": kindHost, "content-length": kindContentLength,
		"Transfer-Encoding": kindTransferEncoding, "Connection": kindConnection, "Keep-Alive": kindHop,
		"Proxy-Connection": kindHop, "Proxy-Authorization": kindHop, "Proxy-Authenticate": kindHop,
		"TE": kindTE, "Upgrade": kindUpgrade, "Expect": kindExpect, "X-Forwarded-For": kindForwardedFor,
		"X-Forwarded-Host": kindForwarded, "X-Forwarded-Proto": kindForwardedProto, "Forwarded": kindForwarded,
		"Cutover-Handover": kindHandover, "cutover-handover": kindHandover, "Client-IP": kindSpoofable,
		"X-Cluster-Client-IP": kindSpoofable, "CF-Connecting-IP": kindSpoofable, "Fly-Client-IP": kindSpoofable,
		"X-Forwarded-Prefix": kindSpoofable, "X-Real-IP": kindSpoofable,
		"X-Request-Id": kindRequestID, "Trailer": kindOther, "Hosts": kindOther, "X-Host": kindOther,
		"Content-Type": kindOther,
	}
	for name, want := range tests {
		if got := kindOf([]byte(name)); got != want {
			t.Errorf("kindOf(%q): got %d, want %d", name, got, want)
		}
	}
}

func TestParseField(t *testing.T) {
	tests := []struct {
		line        string
		name, value string
		ok          bool
	}{
		{"Host: example", "Host", "example", true},
		{"X-A:\t v  \t", "X-A", "v", true},
		{"X-Empty:", "X-Empty", "", true},
		{"X-A: a:b:c", "X-A", "a:b:c", true},
		{": v", "", "", false},
		{"X A: v", "", "", false},
		{" X-A: v", "", "", false},
		{"X-A : v", "", "", false},
		{"X-A: \x7f", "", "", false},
		{"X-A: a\nb", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			f, ok := parseField([]byte(tt.line))
			if ok != tt.ok || string(f.name) != tt.name || string(f.value) != tt.value {
				t.Errorf("got %q: %q, %v; want %q: %q, %v", f.name, f.value, ok, tt.name, tt.value, tt.ok)
			}
		})
	}
}

func TestScanHead(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		strict bool
		want   int
		ok     bool
	}{
		{"complete", "GET / HTTP/1.1\r\nHost: a\r\n\r\nbody", true, 27, true},
		{"incomplete", "GET / HTTP/1.1\r\nHost: a\r\n", true, 0, true},
		{"bare LF refused", "GET / HTTP/1.1\nHost: a\n\n", true, 0, false},
		{"bare LF accepted", "HTTP/1.1 200 OK\nA: b\n\nbody", false, 22, true},
		{"CR without LF is not a line end", "GET / HTTP/1.1\r\nA: b\r\r\n\r\n", true, 25, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Fed in pieces of every size, as reads may deliver it.
			for step := 1; step <= len(tt.in); step++ {
				from, n, ok := 0, 0, true
				for end := step; ; end = min(end+step, len(tt.in)) {
					n, ok = scanHead([]byte(tt.in[:end]), &from, tt.strict)
					if n > 0 || !ok || end == len(tt.in) {
						break
					}
				}
				if n != tt.want || ok != tt.ok {
					t.Fatalf("in steps of %d: got %d, %v; want %d, %v", step, n, ok, tt.want, tt.ok)
				}
			}
		})
	}
}

func TestHasTokenAndNextToken(t *testing.T) {
	if !hasToken([]byte("a, , Trailers ,b"), "trailers") {
		t.Errorf("hasToken: got false, want true")
	}
	if hasToken([]byte("trailersx, x"), "trailers") {
		t.Errorf("hasToken: got true for a longer token, want false")
	}
	var toks []string
	for v := []byte(" a ,b,,c "); len(v) > 0; {
		var tok []byte
		tok, v = nextToken(v)
		toks = append(toks, string(tok))
	}
	if got, want := strings.Join(toks, "|"), "a|b||c"; got != want {
		t.Errorf("nextToken: got %q, want %q", got, want)
	}
}

func TestWriteKept(t *testing.T) {
	head := "GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nKeep-Alive: 3\r\nC: 4\r\n\r\n"
	var h request
	if err := h.parse([]byte(head)); err != errHost {
		t.Fatalf("got %v, want errHost: the fields are read by then", err)
	}
	var out bytes.Buffer
	w := newWriter(&out)
	writeKept(w, h.head, h.fields, requestKept)
	w.Flush()
	if got, want := out.String(), "A: 1\r\nB: 2\r\nC: 4\r\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
