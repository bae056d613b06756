package release

// Commit is the git commit a release was pushed as (see package gitpush): it is recorded on the
// release so that `cutover releases` tells which code each one runs.
type Commit struct {
	SHA     string `json:"sha"`
	Subject string `json:"subject"`
	Branch  string `json:"branch,omitempty"`
}

// ShortSHALen is how many hex digits of a commit's sha Short shows, as git does by default.
const ShortSHALen = 7

// Short is the commit's sha abbreviated to ShortSHALen digits.
func (c Commit) Short() string {
	if len(c.SHA) <= ShortSHALen {
		return c.SHA
	}
	return c.SHA[:ShortSHALen]
}

// String is the commit as one line: its short sha and subject.
func (c Commit) String() string {
	if c.Subject == "" {
		return c.Short()
	}
	return c.Short() + " " + c.Subject
}

// Origin is where the release's code came from, as a person reads it: its git commit when it was
// pushed (its Source is then an export removed after the deploy), else its source directory.
func (r *Release) Origin() string {
	if r.Commit != nil {
		return "git " + r.Commit.String()
	}
	return r.Source
}
