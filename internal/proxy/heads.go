package proxy

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
	if pg.retryAfter != "" {
		w.WriteString("\r\nRetry-After: ")
		w.WriteString(pg.retryAfter)
	}
	if x.close {
		w.WriteString("\r\nConnection: close")
	}
	w.WriteString("\r\n")
	c.writeHSTS()
	w.WriteString("\r\n")
	if !x.head {
		w.Write(pg.body)
	}
	w.Flush()
}

// Fields passed on as they came: the rest are hop-by-hop, or set by the proxy itself, or carry the
// framing, which the proxy writes for the body as it passes it on.
const (
	requestKept  = keepMask(1<<kindOther | 1<<kindHost | 1<<kindContentLength)
	responseKept = ^keepMask(1<<kindHop | 1<<kindConnection | 1<<kindTransferEncoding | 1<<kindTE | 1<<kindUpgrade)
)

// writeRequestHead writes the head passed to the backend at addr: the client's request line and
// fields as they came, less hop-by-hop ones and those the proxy sets itself, with the body's
// framing and the forwarding headers. The Host field is kept, so the app sees its own name.
func (c *conn) writeRequestHead(w *writer, addr string) {
	h := &c.req
	if h.minor == 1 {
		w.Write(h.head[:h.lineEnd])
	} else {
		w.Write(h.method)
		w.WriteByte(' ')
		w.Write(h.target)
		w.WriteString(" HTTP/1.1\r\n")
	}
	if h.hosts == 0 {
		writeField(w, "Host", addr)
	}
	if h.privateCookies {
		writeFieldsWithoutPrivateCookie(w, h.head, h.fields, requestKept)
	} else {
		writeKept(w, h.head, h.fields, requestKept)
	}
	if h.chunked {
		w.WriteString("Transfer-Encoding: chunked\r\n")
	}
	if h.teTrailers {
		w.WriteString("Te: trailers\r\n")
	}
	c.writeForwarded(w)
	w.WriteString("X-Request-Id: ")
	w.Write(c.x.id)
	w.WriteString("\r\n\r\n")
}

// writeForwarded writes X-Forwarded-For (the client's address, after the list it sent when it is a
// trusted proxy; the list alone when the daemon before handed the request over), X-Forwarded-Proto
// and X-Forwarded-Host, and Cutover-Handover to a handover pool.
func (c *conn) writeForwarded(w *writer) {
	h := &c.req
	if c.ip != "" {
		w.WriteString("X-Forwarded-For: ")
		sep := false
		for i := range h.fields {
			if f := &h.fields[i]; f.kind == kindForwardedFor && (c.trusted || c.handed) {
				if sep {
					w.WriteString(", ")
				}
				w.Write(f.value)
				sep = true
			}
		}
		if !c.handed || !sep {
			if sep {
				w.WriteString(", ")
			}
			w.WriteString(c.ip)
		}
		w.WriteString("\r\n")
	}
	writeHandover(w, c.x.pool)
	if c.secure {
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

// writeResponseHead writes the head passed to the client: the backend's status line and fields
// as they came, less hop-by-hop ones, with the body's framing, whether the connection stays open,
// and the request id unless the app set one.
func (c *conn) writeResponseHead(chunked bool) {
	x, h, w := &c.x, &c.res, c.bw
	c.writeStatusLine()
	c.writeResponseFields()
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
	if !h.hsts {
		c.writeHSTS()
	}
	if x.setCookie != "" {
		w.WriteString("Set-Cookie: ")
		w.WriteString(x.setCookie)
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
	switch {
	case c.x.minor == 1 && h.minor == 1 && h.crlf:
		w.Write(h.head[:h.lineEnd])
		return
	case c.x.minor == 0:
		w.WriteString("HTTP/1.0 ")
	default:
		w.WriteString("HTTP/1.1 ")
	}
	w.Write(h.code)
	w.WriteByte(' ')
	w.Write(h.reason)
	w.WriteString("\r\n")
}

// writeResponseFields passes the kept fields on: as they came, unless their lines ended in bare
// LFs, which some clients would not take.
func (c *conn) writeResponseFields() {
	h := &c.res
	if h.crlf {
		writeKept(c.bw, h.head, h.fields, responseKept)
		return
	}
	for i := range h.fields {
		if f := &h.fields[i]; responseKept.has(f.kind) {
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
