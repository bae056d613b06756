package apps

import (
	"fmt"
	"slices"
)

// MoveHosts gives the app named to each of hosts, taking each from the app that has it, in one
// step: the routing table changes once, so no request in between finds the host on no app (a
// remove then an add would answer 404 in the gap). The apps that lose a host have their settings
// written first: a crash before the last write leaves a host on no app, never on two.
func (s *Set) MoveHosts(to string, hosts []string) (*App, error) {
	s.mu.Lock()
	a, err := s.moveHostsLocked(to, hosts)
	s.mu.Unlock()
	if err == nil {
		s.changed()
	}
	return a, err
}

func (s *Set) moveHostsLocked(to string, hosts []string) (*App, error) {
	dest, err := s.changingLocked(to)
	if err != nil {
		return nil, err
	}
	want, err := CheckHosts(hosts)
	if err != nil {
		return nil, err
	}
	next := map[*App][]string{dest: slices.Clone(dest.Settings().Hosts)}
	var losers []*App
	for _, h := range want {
		from := s.ownerLocked(h)
		switch {
		case from == nil:
			return nil, fmt.Errorf("no app has the host %s: add it with `cutover apps hosts add %s %s`", h, to, h)
		case from == dest:
			return nil, fmt.Errorf("app %s has the host %s already", to, h)
		}
		if _, ok := next[from]; !ok {
			next[from] = slices.Clone(from.Settings().Hosts)
			losers = append(losers, from)
		}
		next[from] = slices.DeleteFunc(next[from], func(x string) bool { return x == h })
		next[dest] = append(next[dest], h)
	}
	for a, hs := range next {
		if err := checkCertHosts(a.Settings(), hs); err != nil {
			return nil, fmt.Errorf("app %s: %w", a.Name, err)
		}
	}
	if _, err := s.tableWithLocked(next); err != nil {
		return nil, err
	}
	for _, a := range append(losers, dest) {
		st := a.Settings()
		st.Hosts = next[a]
		if err := a.save(st); err != nil {
			// The apps written before keep their change: their hosts went to no app, which a
			// move of the same hosts again puts right.
			s.routeLocked()
			return nil, err
		}
	}
	s.rt.Logger.Info("hosts moved", "hosts", want, "to", to)
	s.routeLocked()
	return dest, nil
}

// ownerLocked returns the app that has host (as CheckHosts gives it), nil if none does.
func (s *Set) ownerLocked(host string) *App {
	for _, a := range s.apps {
		if slices.Contains(a.Settings().Hosts, host) {
			return a
		}
	}
	return nil
}
