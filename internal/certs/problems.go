package certs

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/mholt/acmez/v3/acme"
)

// explain says in plain words why issuance for host failed, and when the next try is (next zero:
// none planned). It reads the ACME problem type when the CA sent one.
func explain(err error, host, ca string, next time.Time) string {
	if err == nil {
		return "the CA gave no certificate, and no reason" + nextTry(next)
	}
	var p acme.Problem
	if errors.As(err, &p) {
		if msg := explainProblem(p, host); msg != "" {
			return msg + nextTry(next)
		}
		return fmt.Sprintf("the CA refused a certificate for %s: %s", host, problemText(p)) + nextTry(next)
	}
	var ue *url.Error
	var ne net.Error
	if errors.As(err, &ue) || errors.As(err, &ne) {
		return fmt.Sprintf("cannot reach the CA at %s (%v)", ca, rootCause(err)) + nextTry(next)
	}
	return fmt.Sprintf("getting a certificate for %s failed: %v", host, err) + nextTry(next)
}

// explainProblem maps the ACME problem types a user can act on to what they mean; "" for others.
func explainProblem(p acme.Problem, host string) string {
	for _, sub := range p.Subproblems {
		if msg := explainProblem(sub.Problem, host); msg != "" {
			return msg
		}
	}
	switch p.Type {
	case acme.ProblemTypeDNS:
		return fmt.Sprintf("DNS for %s does not resolve: add an A or AAAA record pointing to this server", host)
	case acme.ProblemTypeConnection:
		return fmt.Sprintf("the CA could not connect to %s on port 80/443: does DNS for %s point to this server?", host, host)
	case acme.ProblemTypeUnauthorized, acme.ProblemTypeIncorrectResponse:
		return fmt.Sprintf("another server answered the CA for %s: does DNS for %s point to this server?", host, host)
	case acme.ProblemTypeRateLimited:
		return fmt.Sprintf("the CA's rate limit stops a certificate for %s for now", host)
	case acme.ProblemTypeCAA:
		return fmt.Sprintf("a CAA record in DNS for %s forbids this CA to issue for it", host)
	case acme.ProblemTypeRejectedIdentifier:
		return fmt.Sprintf("the CA will not issue for %s", host)
	}
	return ""
}

func problemText(p acme.Problem) string {
	if p.Detail != "" {
		return p.Detail
	}
	return strings.TrimPrefix(p.Type, acme.ProblemTypeNamespace)
}

// rootCause is the innermost error: "connection refused" rather than the whole chain of URLs.
func rootCause(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}

// nextTry is ": next try at T", or "" when no try is planned.
func nextTry(next time.Time) string {
	if next.IsZero() {
		return ""
	}
	return "; next try at " + next.UTC().Format("2006-01-02 15:04:05 UTC")
}
