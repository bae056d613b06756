package router

import (
	"fmt"
	"strings"
	"testing"
)

func table(t testing.TB, routes ...Route[string]) *Table[string] {
	t.Helper()
	tb, err := Build(routes)
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

func TestLookup(t *testing.T) {
	tb := table(t,
		Route[string]{Host: "blog.example.com", Target: "blog"},
		Route[string]{Host: "www.blog.example.com", Target: "blog"},
		Route[string]{Host: "example.com", Prefix: "/api", Target: "api"},
		Route[string]{Host: "example.com", Prefix: "/api/v2/", Target: "api2"},
		Route[string]{Host: "example.com", Target: "site"},
		Route[string]{Host: "*.example.com", Target: "tenants"},
		Route[string]{Host: "*.example.com", Prefix: "/admin", Target: "admin"},
		Route[string]{Host: "only.example.org", Prefix: "/app", Target: "app"},
		Route[string]{Host: "127.0.0.1", Target: "local"},
	)
	tests := []struct {
		host, target, want string // want "" means no route
	}{
		{"blog.example.com", "/", "blog"},
		{"BLOG.Example.COM", "/post/1", "blog"},
		{"blog.example.com:8080", "/", "blog"},
		{"blog.example.com.", "/", "blog"},
		{"blog.example.com.:443", "/x?y=1", "blog"},
		{"www.blog.example.com", "/", "blog"},
		{"example.com", "/", "site"},
		{"example.com", "/api", "api"},
		{"example.com", "/api/users", "api"},
		{"example.com", "/api?page=2", "api"},
		{"example.com", "/apix", "site"}, // a prefix ends on a segment boundary
		{"example.com", "/api/v2", "api2"},
		{"example.com", "/api/v2/x", "api2"}, // longest prefix wins
		{"example.com", "/api/v20", "api"},
		{"a.example.com", "/", "tenants"},
		{"a.example.com", "/admin/x", "admin"},
		{"a.b.example.com", "/", ""}, // a wildcard covers one label
		{"example.org", "/", ""},
		{"only.example.org", "/app/1", "app"},
		{"only.example.org", "/", ""}, // no route for its root: no other level matches either
		{"127.0.0.1:9000", "/", "local"},
		{"[::1]:8080", "/", ""},
		{"", "/", ""},
		{strings.Repeat("a", 300), "/", ""},
	}
	for _, tt := range tests {
		got, ok := tb.Lookup([]byte(tt.host), []byte(tt.target))
		if ok != (tt.want != "") || got != tt.want {
			t.Errorf("Lookup(%q, %q): got %q, %v; want %q", tt.host, tt.target, got, ok, tt.want)
		}
	}
}

// A path is matched as the app reads it, so no spelling of it crosses from one app's prefix to
// another's; the query is not part of it.
func TestLookupCleansPath(t *testing.T) {
	tb := table(t,
		Route[string]{Host: "blog.test", Prefix: "/api", Target: "api"},
		Route[string]{Host: "blog.test", Prefix: "/caf%C3%A9", Target: "cafe"},
		Route[string]{Host: "blog.test", Target: "blog"},
	)
	tests := []struct {
		target, want string // want "" means no route
	}{
		{"/api/", "api"},
		{"/api", "api"},
		{"/api-other", "blog"},
		{"/x/../api/", "api"},
		{"/api/../admin", "blog"},
		{"/%61pi/", "api"},
		{"/%61PI/", "blog"}, // case-sensitive, as the apps' paths are
		{"//api", "api"},
		{"/api/./x", "api"},
		{"/api/../../etc", "blog"},
		{"/..", "blog"},
		{"/%2e%2e/api", "api"},
		{"/%2E%2E/%61pi?next=/../admin", "api"},
		{"/api?x=/../admin", "api"},
		{"/a%2Fb", "blog"},
		{"/api/a%2Fb", "api"},
		{"/api%2Fx", ""},            // api to a WSGI app, blog to a Go or Rails one: neither
		{"/api%2F..%2Fadmin", ""},   // blog to a WSGI app, api to a Go or Rails one
		{"/x%2F..%2Fapi/", ""},      // the other way round
		{"/x/../api/%zz", "blog"},   // a bad escape: routed as it is (the proxy refuses it)
		{"/api/%zz/../../x", "api"}, // likewise
		{"", "blog"},
		{"*", "blog"},
		{`/api/x\..\..\admin`, ""}, // blog to an app that takes "\" for "/" (Node's URL), api to others
		{`/x\..\api`, ""},          // the other way round
		{`/api\x`, ""},             // one segment "api\x" to some apps (blog's), "/api/x" to others (api's)
		{"/api/..#", ""},           // "/" to an app that cuts at "#", under /api to one that does not
		{"/api/x#y", "api"},
		{"/caf\xc3\xa9/menu", "cafe"}, // raw UTF-8 is its escape
		{"/caf%c3%a9", "cafe"},
	}
	for _, tt := range tests {
		got, ok := tb.Lookup([]byte("blog.test"), []byte(tt.target))
		if ok != (tt.want != "") || got != tt.want {
			t.Errorf("Lookup(%q): got %q, %v; want %q", tt.target, got, ok, tt.want)
		}
	}
	// Without a path prefix the path chooses nothing, and an escaped slash cannot be ambiguous.
	hosts := table(t, Route[string]{Host: "blog.test", Target: "blog"})
	if got, ok := hosts.Lookup([]byte("blog.test"), []byte("/api%2F..%2Fx")); !ok || got != "blog" {
		t.Errorf("without prefixes: got %q, %v; want blog", got, ok)
	}
}

// "*" is the default: what no other route matches, including an absent Host, goes there.
func TestLookupDefault(t *testing.T) {
	tb := table(t,
		Route[string]{Host: "blog.example.com", Target: "blog"},
		Route[string]{Host: "only.example.org", Prefix: "/app", Target: "app"},
		Route[string]{Host: AnyHost, Target: "default"},
	)
	for host, want := range map[string]string{"blog.example.com": "blog", "other.net": "default", "": "default", "only.example.org": "default"} {
		if got, ok := tb.Lookup([]byte(host), []byte("/")); !ok || got != want {
			t.Errorf("Lookup(%q): got %q, %v; want %q", host, got, ok, want)
		}
	}
	var none *Table[string]
	if _, ok := none.Lookup([]byte("x"), []byte("/")); ok || none.Len() != 0 {
		t.Error("a nil table routes nothing")
	}
}

func TestBuildRefuses(t *testing.T) {
	tests := []struct {
		name   string
		routes []Route[string]
		want   string
	}{
		{"the same host twice", []Route[string]{{Host: "a.example.com", Owner: "blog"}, {Host: "A.example.com.", Owner: "api"}},
			`a.example.com is already routed to app "blog"`},
		{"the same prefix twice", []Route[string]{{Host: "x.com", Prefix: "/api/", Owner: "one"}, {Host: "x.com", Prefix: "/api", Owner: "two"}},
			`x.com/api is already routed to app "one"`},
		{"a bad host", []Route[string]{{Host: "bad_name.com", Owner: "blog"}}, `route "bad_name.com" for app "blog"`},
		{"a bad prefix", []Route[string]{{Host: "x.com", Prefix: "api", Owner: "blog"}}, "must start with /"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Build(tt.routes)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want it to say %q", err, tt.want)
			}
		})
	}
	tb := table(t, Route[string]{Host: "x.com"}, Route[string]{Host: "x.com", Prefix: "/a"}, Route[string]{Host: "*.x.com"}, Route[string]{Host: "*"})
	if tb.Len() != 4 {
		t.Errorf("Len: got %d, want 4", tb.Len())
	}
}

// Lookup allocates nothing: it runs for every request on the proxy's fast path.
func TestLookupAllocatesNothing(t *testing.T) {
	tb := manyApps(t, 100)
	host, target := []byte("App-57.Example.com:443"), []byte("/api/users?page=2")
	if n := testing.AllocsPerRun(1000, func() {
		if _, ok := tb.Lookup(host, target); !ok {
			t.Fatal("no route")
		}
	}); n != 0 {
		t.Errorf("got %v allocations per Lookup, want 0", n)
	}
	dirty := []byte("/%61pi//users/%2e/../a%2fb?page=2")
	if n := testing.AllocsPerRun(1000, func() {
		if got, _ := tb.Lookup(host, dirty); got != "app-57-api" {
			t.Fatalf("got %q, want app-57-api", got)
		}
	}); n != 0 {
		t.Errorf("got %v allocations per Lookup of a path to clean, want 0", n)
	}
}

// manyApps is a table of n apps, each with its own host, a path prefix and a wildcard.
func manyApps(t testing.TB, n int) *Table[string] {
	var routes []Route[string]
	for i := range n {
		name := fmt.Sprintf("app-%d", i)
		routes = append(routes,
			Route[string]{Host: name + ".example.com", Target: name, Owner: name},
			Route[string]{Host: name + ".example.com", Prefix: "/api", Target: name + "-api", Owner: name},
			Route[string]{Host: "*." + name + ".example.org", Target: name, Owner: name})
	}
	return table(t, routes...)
}

// BenchmarkLookup: the cost of routing one request as the number of apps grows (compare apps=1
// with apps=100 and apps=10000: it should not grow). "clean" is a path that needs cleaning.
func BenchmarkLookup(b *testing.B) {
	for _, n := range []int{1, 100, 10000} {
		tb := manyApps(b, n)
		for _, c := range []struct{ name, host, target string }{
			{"exact", "app-0.example.com", "/posts/1"},
			{"prefix", "App-0.example.com:443", "/api/users?page=2"},
			{"wildcard", "t1.app-0.example.org", "/"},
			{"clean", "App-0.example.com:443", "/x/..//%61pi/users/%2e/1?page=2"},
		} {
			host, target := []byte(c.host), []byte(c.target)
			b.Run(fmt.Sprintf("apps=%d/%s", n, c.name), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					tb.Lookup(host, target)
				}
			})
		}
	}
}
