package deploy

import "time"

// sawReady records how the socket-mode boot check saw a web process become ready.
func (f *Formation) sawReady(name, how string) {
	f.readyMu.Lock()
	defer f.readyMu.Unlock()
	if f.ready == nil {
		f.ready = map[string]string{}
	}
	f.ready[name] = "ready at " + time.Now().Format(time.TimeOnly) + ": " + how
}

// Readiness says how the socket-mode boot check saw web process name become ready ("" when it did
// not run, as in proxy mode). In socket mode the app accepts on the public socket itself, so this
// and its health path on $PORT, if it serves one, are all cutover sees of it.
func (f *Formation) Readiness(name string) string {
	f.readyMu.Lock()
	defer f.readyMu.Unlock()
	return f.ready[name]
}
