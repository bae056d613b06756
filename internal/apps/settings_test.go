package apps

import (
	"errors"
	"testing"
)

func TestCheckName(t *testing.T) {
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"blog", true}, {"api-2", true}, {"a", true},
		{"", false}, {"Blog", false}, {"2blog", false}, {"blog_1", false}, {"-x", false},
		{"a2345678901234567890123456789012345678901", false},
	} {
		err := CheckName(tc.name)
		if (err == nil) != tc.ok || (err != nil && !errors.Is(err, ErrBadName)) {
			t.Errorf("CheckName(%q) = %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
}

func TestSettingsRoundTrip(t *testing.T) {
	dir := t.TempDir()
	want := Settings{Hosts: []string{"blog.example.com", "*"}, HSTS: "max-age=300"}
	if err := WriteSettings(dir, want); err != nil {
		t.Fatal(err)
	}
	got, err := ReadSettings(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Hosts) != 2 || got.Hosts[1] != "*" || got.HSTS != want.HSTS {
		t.Fatalf("read %+v, wrote %+v", got, want)
	}
}

func TestCheckHosts(t *testing.T) {
	got, err := CheckHosts([]string{"Blog.Example.com.", "example.com/api", "*"})
	if err != nil {
		t.Fatal(err)
	}
	if got[0] != "blog.example.com" || got[1] != "example.com/api" || got[2] != "*" {
		t.Fatalf("got %q", got)
	}
	if _, err := CheckHosts([]string{"https://x.com"}); err == nil {
		t.Fatal("a scheme passed")
	}
}
