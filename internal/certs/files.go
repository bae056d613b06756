package certs

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"
)

// filePair is the user's certificate and key files, and the last pair from them that was good.
type filePair struct {
	certFile, keyFile string

	mu      sync.Mutex
	stamp   [2]fileStamp     // of the files last read
	good    *tls.Certificate // last good pair; nil if none yet
	prev    *tls.Certificate // the good pair before good, for the hosts good does not name
	problem string           // why the files as they are now do not serve; "" if they do
}

// fileStamp tells whether a file changed: certbot swaps a symlink, so the inode changes.
type fileStamp struct {
	mtime time.Time
	size  int64
	inode uint64
}

// pairFor returns the shared filePair for src, loading it if new. Called with m.mu held.
func (m *Manager) pairFor(src Source) *filePair {
	key := [2]string{src.CertFile, src.KeyFile}
	if p := m.pairs[key]; p != nil {
		return p
	}
	p := &filePair{certFile: src.CertFile, keyFile: src.KeyFile}
	if _, err := p.check(time.Now()); err != nil {
		m.log.Warn("certificate files not usable", "cert", p.certFile, "key", p.keyFile, "err", err)
	}
	m.pairs[key] = p
	return p
}

// watchFiles checks every pair each FileCheckInterval until Close, and rotates the session
// ticket keys when they are due.
func (m *Manager) watchFiles() {
	defer close(m.done)
	tick := time.NewTicker(m.opts.FileCheckInterval)
	defer tick.Stop()
	for {
		select {
		case <-m.stop:
			return
		case <-tick.C:
		}
		if rotated, err := m.tickets.rotate(time.Now()); err != nil {
			m.log.Warn("TLS session tickets stay sealed with their last key", "err", err)
		} else if rotated {
			m.log.Debug("TLS session ticket key rotated")
		}
		m.mu.Lock()
		pairs := make([]*filePair, 0, len(m.pairs))
		for _, p := range m.pairs {
			pairs = append(pairs, p)
		}
		m.mu.Unlock()
		changed := false
		for _, p := range pairs {
			did, err := p.check(time.Now())
			if did {
				changed = true
				if err != nil {
					m.log.Warn("certificate files not used; the last good pair keeps serving",
						"cert", p.certFile, "key", p.keyFile, "err", err)
				} else {
					m.log.Info("certificate files reloaded", "cert", p.certFile, "key", p.keyFile)
					m.warnMisnamed(p)
				}
			}
		}
		if changed {
			m.changed()
		}
	}
}

// warnMisnamed logs each host of p that the pair just loaded does not name.
func (m *Manager) warnMisnamed(p *filePair) {
	m.mu.Lock()
	var hosts []string
	for name, h := range m.hosts {
		if h.pair == p {
			hosts = append(hosts, name)
		}
	}
	m.mu.Unlock()
	for _, host := range hosts {
		if cert, why := p.serving(host); why != "" {
			what := "no HTTPS for it"
			if cert != nil {
				what = "the pair before, which names it, serves on"
			}
			m.log.Warn("certificate files do not name the host: "+what, "host", host, "err", why)
		}
	}
}

// check reads the files if their stamps changed. It reports whether it read them, and why the new
// files are not used, if they are not.
func (p *filePair) check(now time.Time) (bool, error) {
	var stamp [2]fileStamp
	for i, f := range []string{p.certFile, p.keyFile} {
		stamp[i] = stampOf(f)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if stamp == p.stamp && (p.good != nil || p.problem != "") {
		return false, nil
	}
	p.stamp = stamp
	cert, err := loadPair(p.certFile, p.keyFile, now)
	if err != nil {
		p.problem = err.Error()
		return true, err
	}
	if p.good != nil && !bytes.Equal(p.good.Leaf.Raw, cert.Leaf.Raw) {
		p.prev = p.good
	}
	p.good, p.problem = cert, ""
	return true, nil
}

// stampOf returns the file's stamp, zero if it cannot be stat'ed (os.Stat follows symlinks).
func stampOf(path string) fileStamp {
	info, err := os.Stat(path)
	if err != nil {
		return fileStamp{}
	}
	s := fileStamp{mtime: info.ModTime(), size: info.Size()}
	if sys, ok := info.Sys().(*syscall.Stat_t); ok {
		s.inode = sys.Ino
	}
	return s
}

// loadPair reads a pair and accepts it only if it parses, the key matches and it serves at now.
func loadPair(certFile, keyFile string, now time.Time) (*tls.Certificate, error) {
	certPEM, err := os.ReadFile(certFile)
	if err != nil {
		return nil, fmt.Errorf("reading the certificate: %w", err)
	}
	keyPEM, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, fmt.Errorf("reading the key: %w", err)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("%s and %s are not a certificate and its key: %w", certFile, keyFile, err)
	}
	leaf := cert.Leaf
	switch {
	case now.After(leaf.NotAfter):
		return nil, fmt.Errorf("the certificate in %s expired on %s: put a renewed one there",
			certFile, leaf.NotAfter.UTC().Format(time.DateTime+" UTC"))
	case now.Before(leaf.NotBefore):
		return nil, fmt.Errorf("the certificate in %s is not valid before %s: check the clock",
			certFile, leaf.NotBefore.UTC().Format(time.DateTime+" UTC"))
	}
	return &cert, nil
}

// serving is the last good pair if its certificate names host, else nil and why not, in plain
// words. A pair shared by several hosts is judged for each on its own.
func (p *filePair) serving(host string) (*tls.Certificate, string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	cert, why := p.forHost(host, time.Now())
	if cert == nil && why == "" {
		why = p.problem
	}
	return cert, why
}

// forHost is the pair that serves host: the last good one if it names host, else the good one
// before it if that names host and has not expired (files swapped for a pair of other names do
// not take a working site off HTTPS, as a broken or expired pair does not). why says, when the
// last good pair does not name host, that it does not, "" when there is no good pair at all.
// Called with p.mu held.
func (p *filePair) forHost(host string, now time.Time) (cert *tls.Certificate, why string) {
	if p.good == nil {
		return nil, ""
	}
	if why = p.misnamed(p.good.Leaf, host); why == "" {
		return p.good, ""
	}
	if p.prev != nil && p.misnamed(p.prev.Leaf, host) == "" && now.Before(p.prev.Leaf.NotAfter) {
		return p.prev, why
	}
	return nil, why
}

// nameProblem says why no good pair serves host, "" if one does or if there is none.
func (p *filePair) nameProblem(host string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if cert, why := p.forHost(host, time.Now()); cert == nil {
		return why
	}
	return ""
}

// misnamed says why leaf does not serve host, "" if it names it. Names are matched as a browser
// does (x509 VerifyHostname): a.example.com by a.example.com or *.example.com, but the wildcard
// host *.example.com only by a certificate naming *.example.com itself.
func (p *filePair) misnamed(leaf *x509.Certificate, host string) string {
	if leaf.VerifyHostname(host) == nil {
		return ""
	}
	names := leaf.DNSNames
	for _, ip := range leaf.IPAddresses {
		names = append(names, ip.String())
	}
	named := "names no host (browsers ignore the Common Name)"
	if len(names) > 0 {
		named = "names " + strings.Join(names, ", ")
	}
	return fmt.Sprintf("the certificate in %s %s, not %s: get one that names %s", p.certFile, named, host, host)
}

// state is the State of a host served by p. LastError says what is wrong with the files as they
// are now, if anything is, before whether the pair they hold names host.
func (p *filePair) state(host string, now time.Time) State {
	p.mu.Lock()
	defer p.mu.Unlock()
	st := State{Host: host, Source: "files", Status: StatusFiles, LastError: p.problem}
	cert, why := p.forHost(host, now)
	if st.LastError == "" {
		st.LastError = why
	}
	if cert == nil {
		// Not served for host: a certificate for another name only makes browsers warn.
		st.Status = StatusFilesInvalid
		if p.good != nil {
			st.NotAfter, st.Issuer, st.Serial = describe(p.good.Leaf)
		}
		return st
	}
	if cert != p.good && st.LastError == why {
		st.LastError = why + "; the pair before, which names it, serves on"
	}
	st.NotAfter, st.Issuer, st.Serial = describe(cert.Leaf)
	if !now.Before(st.NotAfter) {
		st.Status = StatusExpired
	}
	return st
}
