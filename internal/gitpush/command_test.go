package gitpush

import (
	"errors"
	"testing"
)

func TestParseCommand(t *testing.T) {
	for _, tc := range []struct {
		command, want string
		ok            bool
	}{
		{"git-receive-pack '/blog.git'", "blog", true},
		{"git-receive-pack 'blog.git'", "blog", true},
		{"git-receive-pack '~/blog.git'", "blog", true},
		{"git-receive-pack '/blog'", "blog", true},
		{"git-receive-pack blog.git", "blog", true},
		{"git receive-pack '/api-2.git'", "api-2", true},
		{"git-receive-pack '/blog.git/'", "blog", true},
		{"git-upload-pack '/blog.git'", "", false},
		{"git-upload-archive '/blog.git'", "", false},
		{"bash", "", false},
		{"", "", false},
		{"git-receive-pack '/srv/blog.git'", "", false},
		{"git-receive-pack '../blog.git'", "", false},
		{"git-receive-pack '/.git'", "", false},
		{"git-receive-pack 'blog'\\''; rm -rf /'", "", false},
		{"git-receive-pack 'blog.git", "", false},
		{"git-receive-pack blog;ls", "blog;ls", true}, // not an app name: the caller checks the name
	} {
		t.Run(tc.command, func(t *testing.T) {
			got, err := ParseCommand(tc.command)
			if tc.ok && (err != nil || got != tc.want) {
				t.Fatalf("got %q, %v; want %q", got, err, tc.want)
			}
			if !tc.ok && !errors.Is(err, ErrRefused) {
				t.Fatalf("got %q, %v; want an error wrapping ErrRefused", got, err)
			}
		})
	}
}
