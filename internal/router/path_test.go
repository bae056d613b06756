package router

import (
	"strings"
	"testing"
)

func TestCleanPath(t *testing.T) {
	tests := []struct {
		path, want, slashes string // slashes: the path with %2F read as "/", when it differs
		bad                 bool   // a bad escape: not cleaned
	}{
		{path: "/", want: "/"},
		{path: "/api/users", want: "/api/users"},
		{path: "/x/../api/", want: "/api/"},
		{path: "/api/../admin", want: "/admin"},
		{path: "/%61pi/", want: "/api/"},
		{path: "/%41PI", want: "/API"}, // hex of either case; the path keeps its case
		{path: "//api", want: "/api"},
		{path: "/api//x///y/", want: "/api/x/y/"},
		{path: "/api/./x", want: "/api/x"},
		{path: "/api/.", want: "/api/"},
		{path: "/api/..", want: "/"},
		{path: "/api/../../etc", want: "/etc"},
		{path: "/..", want: "/"},
		{path: "/../..//", want: "/"},
		{path: "/%2e%2e/api", want: "/api"},
		{path: "/%2E./api/%2e/x", want: "/api/x"},
		{path: "/.well-known/x", want: "/.well-known/x"},
		{path: "/a..b/...", want: "/a..b/..."},
		{path: "/a%2Fb", want: "/a%2Fb", slashes: "/a/b"},
		{path: "/a%2fb", want: "/a%2Fb", slashes: "/a/b"},
		{path: "/api%2F..%2Fadmin", want: "/api%2F..%2Fadmin", slashes: "/admin"},
		{path: "/a%20b%3f", want: "/a%20b%3F"},
		{path: "/%7e%2D%5f", want: "/~-_"},
		{path: "/a%zz", bad: true},
		{path: "/a%2", bad: true},
		{path: "/a%", bad: true},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			got, ok := cleanPath([]byte("kept"), []byte(tt.path), false)
			if ok == tt.bad {
				t.Fatalf("got ok %v, want %v", ok, !tt.bad)
			}
			if tt.bad {
				if string(got) != "kept" {
					t.Errorf("got %q, want dst untouched", got)
				}
				return
			}
			if string(got) != "kept"+tt.want {
				t.Errorf("got %q, want %q", got[4:], tt.want)
			}
			want := tt.want
			if tt.slashes != "" {
				want = tt.slashes
			}
			if got, _ := cleanPath(nil, []byte(tt.path), true); string(got) != want {
				t.Errorf("with slashes: got %q, want %q", got, want)
			}
			if again, _ := cleanPath(nil, []byte(tt.want), false); string(again) != tt.want {
				t.Errorf("cleaned again: got %q, want it unchanged", again)
			}
		})
	}
}

func TestNeedsCleaning(t *testing.T) {
	tests := []struct {
		path string
		want bool
	}{
		{"/", false},
		{"", false},
		{"/api/users", false},
		{"/.well-known/acme", false},
		{"/a..b/...", false},
		{"/a.", false},
		{"/a/", false},
		{"//", true},
		{"/x//y", true},
		{"/.", true},
		{"/..", true},
		{"/a/./b", true},
		{"/a/../b", true},
		{"/%61", true},
		{"/a?%61", false},
		{"/a?x=//", false},
		{"/a/..?x", true},
		{"/" + strings.Repeat("a", 100) + "/..", true},
	}
	for _, tt := range tests {
		if got := needsCleaning([]byte(tt.path)); got != tt.want {
			t.Errorf("needsCleaning(%q): got %v, want %v", tt.path, got, tt.want)
		}
	}
}
