package proxy

import "strconv"

// The heads the fast path writes: to the backend, the client's request rewritten; to the client,
// the backend's response rewritten, or an error page.

// writePage writes an error page as the response.
func (c *conn) writePage(pg *page) {
	x, w := &c.x, c.bw.use()
	w.WriteString(pg.statusLine)
	w.WriteString("Content-Type: text/html; charset=utf-8\r\nCache-Control: no-store\r\nContent-Length: ")
	w.WriteString(pg.length)
	w.WriteString("\r\nX-Request-Id: ")
	w.Write(x.id)
	if x.close {
		w.WriteString("\r\nConnection: close")
	}
	w.WriteString("\r\n\r\n")
	if !x.head {
		w.Write(pg.body)
	}
	w.Flush()
}

// writeRequestHead writes the head passed to the backend at addr: the client's request line and
// fields, less hop-by-hop ones and those the proxy sets itself, with the body's framing and the
// forwarding headers. The Host field is kept as the client sent it, so the app sees its own name.
func (c *conn) writeRequestHead(w *writer, addr string) {
	h := &c.req
	w.Write(h.method)
	w.WriteByte(' ')
	w.Write(h.target)
	w.WriteString(" HTTP/1.1\r\n")
	if h.hosts == 0 {
		writeField(w, "Host", addr)
	}
	for i := range h.fields {
		if f := &h.fields[i]; f.kind == kindOther || f.kind == kindHost {
			writeFieldBytes(w, f.name, f.value)
		}
	}
	switch {
	case h.chunked:
		w.WriteString("Transfer-Encoding: chunked\r\n")
	case h.length >= 0:
		w.WriteString("Content-Length: ")
		w.Write(strconv.AppendInt(w.AvailableBuffer(), h.length, 10))
		w.WriteString("\r\n")
	}
	if h.teTrailers {
		w.WriteString("Te: trailers\r\n")
	}
	c.writeForwarded(w)
	w.WriteString("X-Request-Id: ")
	w.Write(c.x.id)
	w.WriteString("\r\n\r\n")
}

// writeForwarded writes X-Forwarded-For (the client's list with the client's address appended),
// X-Forwarded-Proto and X-Forwarded-Host.
func (c *conn) writeForwarded(w *writer) {
	h := &c.req
	if c.ip != "" {
		w.WriteString("X-Forwarded-For: ")
		for i := range h.fields {
			if f := &h.fields[i]; f.kind == kindForwardedFor {
				w.Write(f.value)
				w.WriteString(", ")
			}
		}
		w.WriteString(c.ip)
		w.WriteString("\r\n")
	}
	if c.tls {
		w.WriteString("X-Forwarded-Proto: https\r\n")
	} else {
		w.WriteString("X-Forwarded-Proto: http\r\n")
	}
	if len(h.host) > 0 {
		w.WriteString("X-Forwarded-Host: ")
		w.Write(h.host)
		w.WriteString("\r\n")
	}
}

// writeResponseHead writes the head passed to the client: the backend's status and fields, less
// hop-by-hop ones, with the body's framing, whether the connection stays open, and the request id
// unless the app set one.
func (c *conn) writeResponseHead(chunked bool) {
	x, h, w := &c.x, &c.res, c.bw
	c.writeStatusLine()
	c.writeResponseFields()
	if h.length >= 0 {
		w.WriteString("Content-Length: ")
		w.Write(strconv.AppendInt(w.AvailableBuffer(), h.length, 10))
		w.WriteString("\r\n")
	}
	if chunked {
		w.WriteString("Transfer-Encoding: chunked\r\n")
	}
	switch {
	case x.close:
		w.WriteString("Connection: close\r\n")
	case x.minor == 0:
		w.WriteString("Connection: keep-alive\r\n")
	}
	if !h.requestID {
		w.WriteString("X-Request-Id: ")
		w.Write(x.id)
		w.WriteString("\r\n")
	}
	w.WriteString("\r\n")
}

// writeInterim writes a 1xx response.
func (c *conn) writeInterim() {
	c.writeStatusLine()
	c.writeResponseFields()
	c.bw.WriteString("\r\n")
}

func (c *conn) writeStatusLine() {
	w, h := c.bw.use(), &c.res
	if c.x.minor == 0 {
		w.WriteString("HTTP/1.0 ")
	} else {
		w.WriteString("HTTP/1.1 ")
	}
	w.Write(h.code)
	w.WriteByte(' ')
	w.Write(h.reason)
	w.WriteString("\r\n")
}

func (c *conn) writeResponseFields() {
	for i := range c.res.fields {
		switch f := &c.res.fields[i]; f.kind {
		case kindHop, kindConnection, kindTransferEncoding, kindTE, kindUpgrade, kindContentLength:
		default:
			writeFieldBytes(c.bw, f.name, f.value)
		}
	}
}

func writeField(w *writer, name, value string) {
	w.WriteString(name)
	w.WriteString(": ")
	w.WriteString(value)
	w.WriteString("\r\n")
}

func writeFieldBytes(w *writer, name, value []byte) {
	w.Write(name)
	w.WriteString(": ")
	w.Write(value)
	w.WriteString("\r\n")
}
