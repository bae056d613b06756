package router

import (
	"bytes"
	"strings"
	"testing"
)

// FuzzLookup: any Host header and target is routed without a panic, a host that differs only in
// case, port or one trailing dot is routed alike, and a path alike to its cleaned form.
func FuzzLookup(f *testing.F) {
	for _, s := range []string{"blog.example.com", "BLOG.example.com.:80", "[::1]:80", "a.b.example.com", "", ":", ".", "[", "x:y:z"} {
		f.Add(s, "/api/x?y")
	}
	f.Add("blog.example.com", "/x/../%61pi//%2e/y?z")
	tb := table(f,
		Route[string]{Host: "blog.example.com", Target: "blog"},
		Route[string]{Host: "blog.example.com", Prefix: "/api", Target: "api"},
		Route[string]{Host: "*.example.com", Target: "tenants"},
	)
	f.Fuzz(func(t *testing.T, host, target string) {
		got, ok := tb.Lookup([]byte(host), []byte(target))
		upper := bytes.ToUpper([]byte(host))
		if len(host) > 0 && host[0] != '[' && !bytes.ContainsRune([]byte(host), ':') {
			upper = append(upper, ":8080"...)
		}
		if again, ok2 := tb.Lookup(upper, []byte(target)); ok2 != ok || again != got {
			t.Errorf("Lookup(%q) = %q %v, but Lookup(%q) = %q %v", host, got, ok, upper, again, ok2)
		}
		path, _, _ := strings.Cut(target, "?")
		if !strings.HasPrefix(path, "/") {
			return
		}
		if clean, valid := cleanPath(nil, []byte(path), false); valid && !bytes.Contains(clean, []byte("%2F")) {
			if again, ok2 := tb.Lookup([]byte(host), clean); ok2 != ok || again != got {
				t.Errorf("Lookup(%q) = %q %v, but Lookup of its clean path %q = %q %v", target, got, ok, clean, again, ok2)
			}
		}
	})
}
