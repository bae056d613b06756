package gitpush

import (
	"errors"
	"fmt"
	"strings"
)

// ErrRefused is returned for an SSH command that cutover's forced command does not run.
var ErrRefused = errors.New("refused")

// ParseCommand reads the command an SSH client asked for (SSH_ORIGINAL_COMMAND under a forced
// command), such as git-receive-pack '/blog.git', and returns the repository's name without
// ".git" (blog). Only git-receive-pack (a push) is accepted, of a repository named as one word,
// at the root or relative ('blog.git', '/blog.git', '~/blog.git', with or without .git); an
// error wraps ErrRefused and says what is allowed.
func ParseCommand(command string) (string, error) {
	command = strings.TrimSpace(command)
	if command == "" {
		return "", fmt.Errorf("%w: no command: this key only pushes to deploy: git push ssh://USER@HOST/APP.git main", ErrRefused)
	}
	verb, arg, _ := strings.Cut(command, " ")
	if verb == "git" { // "git receive-pack PATH", as some clients spell it
		verb, arg, _ = strings.Cut(strings.TrimSpace(arg), " ")
		verb = "git-" + verb
	}
	if verb != "git-receive-pack" {
		return "", fmt.Errorf("%w: %q: this key only pushes to deploy (git-receive-pack), it cannot run commands, open a shell or fetch", ErrRefused, verb)
	}
	path, err := unquote(strings.TrimSpace(arg))
	if err != nil {
		return "", err
	}
	name := strings.TrimPrefix(strings.TrimPrefix(path, "~"), "/")
	name = strings.TrimSuffix(strings.TrimSuffix(name, "/"), ".git")
	if name == "" || strings.ContainsAny(name, "/\\ ") || strings.HasPrefix(name, ".") {
		return "", fmt.Errorf("%w: %q is not an app's repository: push to ssh://USER@HOST/APP.git, where APP is an app of `cutover apps`", ErrRefused, path)
	}
	return name, nil
}

// unquote undoes the single quotes git puts around a repository path (' within it as '\”).
func unquote(s string) (string, error) {
	if !strings.HasPrefix(s, "'") {
		if strings.ContainsAny(s, "'\"\\ ") {
			return "", fmt.Errorf("%w: a repository path %s that git would not send", ErrRefused, s)
		}
		return s, nil
	}
	var b strings.Builder
	for s != "" {
		if !strings.HasPrefix(s, "'") {
			return "", fmt.Errorf("%w: a badly quoted repository path", ErrRefused)
		}
		end := strings.IndexByte(s[1:], '\'')
		if end < 0 {
			return "", fmt.Errorf("%w: a badly quoted repository path", ErrRefused)
		}
		b.WriteString(s[1 : 1+end])
		s = s[2+end:]
		if rest, ok := strings.CutPrefix(s, `\'`); ok {
			b.WriteByte('\'')
			s = rest
		}
	}
	return b.String(), nil
}
