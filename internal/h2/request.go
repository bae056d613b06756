package h2

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"golang.org/x/net/http2"
)

var (
	errPseudo          = errors.New("http2: request pseudo-header fields missing or not allowed")
	errConnHeader      = errors.New("http2: connection-specific header field in a request")
	errContentLength   = errors.New("http2: Content-Length is not a number, or given twice differently")
	errExtendedConnect = errors.New("http2: extended CONNECT was not offered")
)

// maxNameCache bounds conn.names: a client that invents field names cannot grow it.
const maxNameCache = 256

// newRequest makes the request of HEADERS f, its body read from s, its context derived from ctx
// (cancelled when the stream ends). The framer has checked the field names (lower case, valid)
// and values, and the order of the pseudo-header fields; this checks what RFC 9113, 8.3 and 8.2.2
// ask besides.
func (c *conn) newRequest(ctx context.Context, f *http2.MetaHeadersFrame, s *stream) (*http.Request, error) {
	method, path := f.PseudoValue("method"), f.PseudoValue("path")
	scheme, authority := f.PseudoValue("scheme"), f.PseudoValue("authority")
	if f.PseudoValue("protocol") != "" {
		return nil, errExtendedConnect
	}
	regular := f.RegularFields()
	header := make(http.Header, len(regular))
	values := make([]string, 0, len(regular)) // one array for every field's values
	var cookies []string
	for _, hf := range regular {
		if connectionSpecific[hf.Name] {
			return nil, errConnHeader
		}
		switch hf.Name {
		case "te":
			if hf.Value != "trailers" {
				return nil, errConnHeader
			}
		case "cookie":
			cookies = append(cookies, hf.Value) // joined, as 8.2.3 says
			continue
		case "host":
			if authority == "" {
				authority = hf.Value
			}
			continue
		}
		name := c.canonical(hf.Name)
		if vs := header[name]; vs != nil {
			header[name] = append(vs, hf.Value)
			continue
		}
		values = append(values, hf.Value)
		header[name] = values[len(values)-1 : len(values) : len(values)]
	}
	if len(cookies) > 0 {
		header["Cookie"] = []string{strings.Join(cookies, "; ")}
	}
	u, uri, err := target(method, scheme, path, authority)
	if err != nil {
		return nil, err
	}
	req := &s.req
	*req = http.Request{
		Method: method, URL: u, Proto: "HTTP/2.0", ProtoMajor: 2, Header: header, Host: authority,
		RequestURI: uri, RemoteAddr: c.remote, TLS: c.tls, Body: http.NoBody,
	}
	if err := s.setBody(req, f.StreamEnded()); err != nil {
		return nil, err
	}
	ctx, s.cancel = context.WithCancelCause(ctx)
	return req.WithContext(ctx), nil
}

// target checks the pseudo-header fields and returns the request's URL and RequestURI.
func target(method, scheme, path, authority string) (*url.URL, string, error) {
	if method == http.MethodConnect {
		if path != "" || scheme != "" || authority == "" {
			return nil, "", errPseudo
		}
		return &url.URL{Host: authority}, authority, nil
	}
	if method == "" || scheme == "" || path == "" {
		return nil, "", errPseudo
	}
	if path == "*" && method == http.MethodOptions {
		return &url.URL{Path: "*"}, path, nil
	}
	if path[0] != '/' {
		return nil, "", errPseudo
	}
	u, err := url.ParseRequestURI(path)
	if err != nil {
		return nil, "", errors.Join(errPseudo, err)
	}
	return u, path, nil
}

// setBody sets req's body, length and announced trailers, from the stream when the client goes on
// to send one.
func (s *stream) setBody(req *http.Request, ended bool) error {
	if cl := req.Header.Values("Content-Length"); len(cl) > 0 {
		n, err := strconv.ParseUint(cl[0], 10, 63)
		for _, v := range cl[1:] {
			if v != cl[0] {
				err = errContentLength
			}
		}
		if err != nil || cl[0] == "" || cl[0][0] < '0' || cl[0][0] > '9' {
			return errContentLength
		}
		s.declared = int64(n)
	}
	if ended {
		if s.declared > 0 {
			return errContentLength
		}
		req.ContentLength = 0
		return nil
	}
	req.ContentLength = s.declared
	req.Body = body{s}
	if strings.EqualFold(req.Header.Get("Expect"), "100-continue") {
		s.expect = true
	}
	for _, v := range req.Header["Trailer"] {
		for name := range strings.SplitSeq(v, ",") {
			if name = http.CanonicalHeaderKey(strings.TrimSpace(name)); name != "" {
				if req.Trailer == nil {
					req.Trailer, s.announced = http.Header{}, map[string]bool{}
				}
				req.Trailer[name] = nil
				s.announced[name] = true
			}
		}
	}
	s.trailer = req.Trailer
	return nil
}

// canonical returns the canonical form of a lower-case field name, as net/http keys headers.
func (c *conn) canonical(lower string) string {
	if name, ok := c.names[lower]; ok {
		return name
	}
	name := http.CanonicalHeaderKey(lower)
	if len(c.names) < maxNameCache {
		c.names[lower] = name
	}
	return name
}
