package socket

import (
	"bytes"
	"strconv"
)

// closeHeader is the header line added to the next request of a retiring connection. Every
// HTTP/1.1 server answers such a request with Connection: close and then closes the connection:
// the client learns in the answer itself that the connection ends, so it never sends another
// request on it and never races a close.
var closeHeader = []byte("Connection: close\r\n")

// Request framing states.
const (
	fLine      = iota // before or in a request line; blank lines before it are skipped
	fHeaders          // in the head, at the start of a line or in one
	fBody             // skipping a Content-Length body
	fChunkSize        // in a chunk-size line
	fChunkData        // skipping chunk data and its CRLF
	fTrailers         // in the trailer section
	fRaw              // after an upgrade request, or lost: the bytes are not followed any more
)

// lineKeep is how much of each line is kept: enough for the header names looked at and a length.
const lineKeep = 64

// requests follows the requests in a client connection's byte stream, as an HTTP/1.1 server reads
// them: request line, head, then a Content-Length or chunked body. It knows where each head ends,
// which is where a retiring connection gets its Connection: close. It keeps a few bytes per line,
// never a copy of the stream.
type requests struct {
	state     int
	lineStart bool   // at the start of a line in the head
	line      []byte // start of the current line, at most lineKeep bytes
	http10    bool
	chunked   bool
	upgrade   bool
	length    int64 // Content-Length
	left      int64 // bytes to skip in fBody and fChunkData
}

// feed follows b, the next bytes read from the client. When closing is set and the head of a
// request ends in b, it returns b with closeHeader added before the blank line that ends the head
// (of an upgrade request, which must stay as it is, nothing is added); otherwise nil.
func (r *requests) feed(b []byte, closing bool) []byte {
	for i := 0; i < len(b); {
		switch r.state {
		case fRaw:
			return nil
		case fBody, fChunkData:
			n := min(int64(len(b)-i), r.left)
			i += int(n)
			if r.left -= n; r.left == 0 && r.state == fBody {
				r.state = fLine
			} else if r.left == 0 {
				r.state = fChunkSize
			}
			continue
		}
		if r.state == fHeaders && r.lineStart && (b[i] == '\r' || b[i] == '\n') {
			// The blank line that ends the head starts here.
			r.lineStart = false
			if closing && !r.upgrade {
				out := make([]byte, 0, len(b)+len(closeHeader))
				out = append(append(append(out, b[:i]...), closeHeader...), b[i:]...)
				r.feed(b[i:], false)
				return out
			}
		}
		j := bytes.IndexByte(b[i:], '\n')
		if j < 0 {
			r.keep(b[i:])
			r.lineStart = false
			return nil
		}
		r.keep(b[i : i+j])
		i += j + 1
		r.endLine()
	}
	return nil
}

func (r *requests) keep(seg []byte) {
	if room := lineKeep - len(r.line); room > 0 {
		r.line = append(r.line, seg[:min(room, len(seg))]...)
	}
}

// endLine handles the line just ended.
func (r *requests) endLine() {
	line := bytes.TrimSuffix(r.line, []byte{'\r'})
	r.line = r.line[:0]
	switch r.state {
	case fLine:
		if len(line) > 0 {
			r.http10 = bytes.HasSuffix(line, []byte("HTTP/1.0"))
			r.chunked, r.upgrade, r.length = false, false, 0
			r.state, r.lineStart = fHeaders, true
		}
	case fHeaders:
		r.lineStart = true
		if len(line) == 0 {
			r.endHead()
			return
		}
		r.header(line)
	case fChunkSize:
		r.chunkSize(line)
	case fTrailers:
		if len(line) == 0 {
			r.state = fLine
		}
	}
}

func (r *requests) header(line []byte) {
	name, value, ok := bytes.Cut(line, []byte{':'})
	if !ok {
		return
	}
	value = bytes.TrimSpace(value)
	switch string(bytes.ToLower(bytes.TrimSpace(name))) {
	case "content-length":
		n, err := strconv.ParseInt(string(value), 10, 64)
		if err != nil || n < 0 || len(value) >= lineKeep/2 {
			r.state = fRaw // the server refuses it and closes the connection itself
			return
		}
		r.length = n
	case "transfer-encoding":
		r.chunked = bytes.Contains(bytes.ToLower(value), []byte("chunked"))
	case "upgrade":
		r.upgrade = true
	}
}

// endHead picks how the request's body is delimited, as servers do: HTTP/1.0 ignores
// Transfer-Encoding, HTTP/1.1 lets it override Content-Length.
func (r *requests) endHead() {
	switch {
	case r.upgrade:
		r.state = fRaw // it may switch protocols: what follows is no longer HTTP
	case r.chunked && !r.http10:
		r.state = fChunkSize
	case r.length > 0:
		r.state, r.left = fBody, r.length
	default:
		r.state = fLine
	}
	r.lineStart = false
}

func (r *requests) chunkSize(line []byte) {
	hex, _, _ := bytes.Cut(line, []byte{';'})
	size, err := strconv.ParseInt(string(bytes.TrimSpace(hex)), 16, 64)
	switch {
	case err != nil || size < 0:
		r.state = fRaw
	case size == 0:
		r.state = fTrailers
	default:
		r.state, r.left = fChunkData, size+2
	}
}
