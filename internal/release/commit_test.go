package release

import "testing"

func TestCommitString(t *testing.T) {
	for _, tc := range []struct {
		name string
		c    Commit
		want string
	}{
		{"full", Commit{SHA: "0123456789abcdef0123456789abcdef01234567", Subject: "Fix the login page"}, "0123456 Fix the login page"},
		{"no subject", Commit{SHA: "0123456789abcdef0123456789abcdef01234567"}, "0123456"},
		{"short sha", Commit{SHA: "abc", Subject: "x"}, "abc x"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.c.String(); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestOrigin(t *testing.T) {
	r := &Release{Source: "/srv/blog"}
	if got := r.Origin(); got != "/srv/blog" {
		t.Errorf("without a commit: got %q", got)
	}
	r.Commit = &Commit{SHA: "0123456789abcdef", Subject: "Fix"}
	if got := r.Origin(); got != "git 0123456 Fix" {
		t.Errorf("with a commit: got %q", got)
	}
}
