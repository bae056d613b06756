package dashboard

import (
	"bytes"
	"errors"
	"html/template"
	"net/http"
	"slices"
	"time"

	"github.com/cutover-dev/cutover/internal/chart"
	"github.com/cutover-dev/cutover/internal/control"
	"github.com/cutover-dev/cutover/internal/release"
	"github.com/cutover-dev/cutover/internal/report"
)

var funcs = template.FuncMap{
	"dur":  report.FormatDuration,
	"when": func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05") },
	"uptime": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return time.Since(t).Truncate(time.Second).String()
	},
}

// page is what every template gets.
type page struct {
	Title    string
	App      string
	Apps     []control.AppInfo
	Status   control.Status
	Releases []*release.Release
	Release  *release.Release
	Chart    template.HTML
	Hour     template.HTML // the app's last hour
	Bars     []bar
	CSRF     string
	Error    string
}

// bar is one step of a release's timeline, placed in percent of the deploy's length.
type bar struct {
	release.Step
	Left, Width float64
}

func (s *Server) render(w http.ResponseWriter, name string, p page) {
	var b bytes.Buffer
	if err := s.pages.ExecuteTemplate(&b, name, p); err != nil {
		s.opts.Logger.Error("dashboard page failed", "page", name, "err", err)
		http.Error(w, "the page could not be drawn: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if _, err := w.Write(b.Bytes()); err != nil {
		s.opts.Logger.Debug("dashboard page not sent", "page", name, "err", err) // the browser went away
	}
}

func (s *Server) appsPage(w http.ResponseWriter, r *http.Request) {
	apps := s.opts.Source.Apps(r.Context())
	s.status.forget(func(name string) bool {
		return slices.ContainsFunc(apps, func(a control.AppInfo) bool { return a.Name == name })
	})
	s.render(w, "apps.html", page{Title: "apps", Apps: apps})
}

// app finds the app of the request's path, or answers 404.
func (s *Server) app(w http.ResponseWriter, r *http.Request) (control.AppService, bool) {
	app, err := s.opts.Source.App(r.PathValue("app"))
	if err != nil {
		st := http.StatusInternalServerError
		if errors.Is(err, control.ErrNoApp) {
			st = http.StatusNotFound
		}
		http.Error(w, err.Error(), st)
		return nil, false
	}
	return app, true
}

func (s *Server) appPage(w http.ResponseWriter, r *http.Request) {
	app, ok := s.app(w, r)
	if !ok {
		return
	}
	p := page{App: r.PathValue("app"), Status: s.status.get(r.Context(), r.PathValue("app"), app)}
	p.Title = p.App
	rels, _, err := app.Releases()
	if err != nil {
		p.Error = err.Error()
	}
	p.Hour = svg(s.hourChart(p.App, rels))
	slices.Reverse(rels)
	p.Releases = rels
	if len(rels) > 0 {
		p.Chart = svg(chart.ForRelease(rels[0]))
	}
	s.render(w, "app.html", p)
}

func (s *Server) releasePage(w http.ResponseWriter, r *http.Request) {
	app, ok := s.app(w, r)
	if !ok {
		return
	}
	rel, err := app.Release(r.PathValue("id"))
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	p := page{App: r.PathValue("app"), Title: r.PathValue("app") + " " + rel.ID, Release: rel, CSRF: s.csrf,
		Status: s.status.get(r.Context(), r.PathValue("app"), app), Chart: svg(chart.ForRelease(rel)), Bars: bars(rel.Steps)}
	s.render(w, "release.html", p)
}

func (s *Server) releaseChart(w http.ResponseWriter, r *http.Request) {
	app, ok := s.app(w, r)
	if !ok {
		return
	}
	rel, err := app.Release(r.PathValue("id"))
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	if err := chart.ForRelease(rel).Write(w); err != nil {
		s.opts.Logger.Debug("dashboard chart not sent", "app", r.PathValue("app"), "release", rel.ID, "err", err) // the browser went away
	}
}

func svg(c chart.Chart) template.HTML {
	var b bytes.Buffer
	_ = c.Write(&b) // a bytes.Buffer takes every write

	return template.HTML(b.String()) // drawn by package chart, which escapes every label
}

// bars places each step on the deploy's time line, in percent.
func bars(steps []release.Step) []bar {
	if len(steps) == 0 {
		return nil
	}
	from := steps[0].Start
	to := from
	for _, st := range steps {
		if end := st.Start.Add(st.Duration); end.After(to) {
			to = end
		}
	}
	span := max(float64(to.Sub(from)), 1)
	out := make([]bar, len(steps))
	for i, st := range steps {
		out[i] = bar{Step: st, Left: 100 * float64(st.Start.Sub(from)) / span, Width: max(0.5, 100*float64(st.Duration)/span)}
	}
	return out
}

// hourChart is the app's last hour from the history, with a mark at each switch of a release.
func (s *Server) hourChart(app string, rels []*release.Release) chart.Chart {
	now := time.Now()
	c := chart.Chart{Title: app + ", last hour", Step: s.opts.SampleInterval, From: now.Add(-DefaultHistory), To: now}
	if s.hist != nil {
		c.Points = s.hist.series(app)
	}
	for _, r := range rels {
		for _, st := range r.Steps {
			if st.Name == "switch" && st.Start.After(c.From) {
				c.Marks = append(c.Marks, chart.Mark{Time: st.Start, Label: r.ID})
			}
		}
	}
	return c
}
