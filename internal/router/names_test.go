package router

import (
	"errors"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in, host, prefix, err string
	}{
		{in: "blog.example.com", host: "blog.example.com"},
		{in: "Blog.Example.com.", host: "blog.example.com"},
		{in: "example.com/api", host: "example.com", prefix: "/api"},
		{in: "example.com/api/", host: "example.com", prefix: "/api"},
		{in: "example.com/", host: "example.com"},
		{in: "*.example.com", host: "*.example.com"},
		{in: "*", host: "*"},
		{in: "10.0.0.7", host: "10.0.0.7"},
		{in: "xn--bcher-kva.example", host: "xn--bcher-kva.example"},
		{in: "", err: "empty"},
		{in: "https://blog.example.com", err: "scheme"},
		{in: "blog.example.com:443", err: "port"},
		{in: "a.*.example.com", err: "whole first label"},
		{in: "*example.com", err: "whole first label"},
		{in: "-a.example.com", err: "hyphen"},
		{in: "a..example.com", err: "empty label"},
		{in: "bad_name.example.com", err: "not allowed"},
		{in: "bücher.example", host: "xn--bcher-kva.example"}, // as browsers send it
		{in: "CAFÉ.test", host: "xn--caf-dma.test"},
		{in: "*.bücher.example", host: "*.xn--bcher-kva.example"},
		{in: "b\u200dcher.example", err: "not a valid international name"},
		{in: "[::1]", err: "IPv6"},
		{in: "::1", err: "IPv6"},
		{in: strings.Repeat("a", 64) + ".com", err: "longer than 63"},
		{in: strings.Repeat("a.", 130) + "com", err: "longer than 253"},
		{in: "example.com/api?x", err: "may not hold"},
		{in: "example.com/a//b", err: "empty segment"},
		{in: "example.com/a b", err: "space"},
		{in: "example.com/%61pi/", host: "example.com", prefix: "/api"},
		{in: "example.com/a%3fb", host: "example.com", prefix: "/a%3Fb"},
		{in: "example.com/api/../admin", err: "a . or .. segment"},
		{in: "example.com/api/%2e", err: "a . or .. segment"},
		{in: "example.com/a%2fb", err: "escaped slash"},
		{in: "example.com/a%zz", err: "two hex digits"},
	}
	for _, tt := range tests {
		host, prefix, err := Parse(tt.in)
		switch {
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("Parse(%q): got %v, want an error saying %q", tt.in, err, tt.err)
		case tt.err == "" && (err != nil || host != tt.host || prefix != tt.prefix):
			t.Errorf("Parse(%q): got %q %q %v, want %q %q", tt.in, host, prefix, err, tt.host, tt.prefix)
		}
	}
	if _, err := CheckHost("a b"); !errors.Is(err, ErrBadHost) {
		t.Errorf("CheckHost: got %v, want ErrBadHost", err)
	}
}
