package proxy

import (
	"bytes"
	"errors"
	"io"
	"strconv"
)

// pipe carries one message body from src to dst, re-framed: a chunked body is checked chunk by
// chunk and sent on as chunks of the same sizes, without extensions. Before every read from src it
// flushes dst, so whatever arrived is passed on before the proxy waits for more: an event stream
// goes out event by event, and a large body streams through one buffer instead of being held.
type pipe struct {
	dst    *writer
	src    *reader
	fill   func() error // reads more into src; it must flush dst first
	client bool         // src is the client: line ends are CRLF only, errors are the client's
	dstErr error        // the error writing dst, if that is what failed
	n      int64        // body bytes passed on to dst, without the chunked framing
	hex    [24]byte
}

// more flushes dst and reads more into src.
func (p *pipe) more() error {
	if p.dst.Buffered() > 0 {
		if err := p.dst.Flush(); err != nil {
			p.dstErr = err
			return err
		}
	}
	return p.fill()
}

func (p *pipe) write(b []byte) error {
	_, err := p.dst.Write(b)
	if err != nil {
		p.dstErr = err
	}
	return err
}

func (p *pipe) writeString(s string) error {
	_, err := p.dst.WriteString(s)
	if err != nil {
		p.dstErr = err
	}
	return err
}

// malformed returns err for a client's body and errResChunk for a backend's.
func (p *pipe) malformed(err error) error {
	if p.client {
		return err
	}
	return errResChunk
}

// copyN passes n bytes on.
func (p *pipe) copyN(n int64) error {
	for n > 0 {
		if p.src.len() == 0 {
			if err := p.more(); err != nil {
				return truncated(err)
			}
		}
		b := p.src.buffered()
		if int64(len(b)) > n {
			b = b[:n]
		}
		if err := p.write(b); err != nil {
			return err
		}
		p.src.discard(len(b))
		n -= int64(len(b))
		p.n += int64(len(b))
	}
	return nil
}

// untilEOF passes on everything until src ends, as chunks when chunked.
func (p *pipe) untilEOF(chunked bool) error {
	for {
		if p.src.len() == 0 {
			err := p.more()
			if err == io.EOF {
				break
			}
			if err != nil {
				return err
			}
		}
		b := p.src.buffered()
		if chunked {
			if err := p.chunkHeader(int64(len(b))); err != nil {
				return err
			}
		}
		if err := p.write(b); err != nil {
			return err
		}
		p.src.discard(len(b))
		p.n += int64(len(b))
		if chunked {
			if err := p.writeString("\r\n"); err != nil {
				return err
			}
		}
	}
	if chunked {
		return p.writeString("0\r\n\r\n")
	}
	return nil
}

// chunked passes a chunked body on, as chunks when chunked and as its bare data when not (to an
// HTTP/1.0 client).
func (p *pipe) chunked(chunked bool) error {
	for {
		line, err := p.line()
		if err != nil {
			return err
		}
		size, ok := chunkSize(line)
		if !ok {
			return p.malformed(errChunkSize)
		}
		if size == 0 {
			return p.trailers(chunked)
		}
		if chunked {
			if err := p.chunkHeader(size); err != nil {
				return err
			}
		}
		if err := p.copyN(size); err != nil {
			return err
		}
		if line, err = p.line(); err != nil {
			return err
		}
		if len(line) != 0 {
			return p.malformed(errChunkEnd)
		}
		if chunked {
			if err := p.writeString("\r\n"); err != nil {
				return err
			}
		}
	}
}

func (p *pipe) chunkHeader(size int64) error {
	b := strconv.AppendInt(p.hex[:0], size, 16)
	return p.write(append(b, '\r', '\n'))
}

// trailers passes on the trailer section after the last chunk, and the end of the body. Fields
// that are not plain end-to-end ones (framing, hop-by-hop) are dropped.
func (p *pipe) trailers(chunked bool) error {
	if chunked {
		if err := p.writeString("0\r\n"); err != nil {
			return err
		}
	}
	total := 0
	for {
		line, err := p.line()
		if err != nil {
			return err
		}
		if len(line) == 0 {
			break
		}
		if total += len(line); total > maxLineBytes {
			return p.malformed(errTrailer)
		}
		f, ok := parseField(line)
		if !ok {
			return p.malformed(errTrailer)
		}
		// Cookie has no place in a trailer (RFC 9110, section 6.5.1), where no one would look for
		// the dashboard's cookie (cookie.go) to take it out.
		if chunked && f.kind == kindOther && !is(f.name, "cookie") {
			if err := p.writeField(f.name, f.value); err != nil {
				return err
			}
		}
	}
	if chunked {
		return p.writeString("\r\n")
	}
	return nil
}

func (p *pipe) writeField(name, value []byte) error {
	p.dst.Write(name)
	p.dst.WriteString(": ")
	p.dst.Write(value)
	return p.writeString("\r\n")
}

// line returns the next line of src without its line end and consumes it. The line stays valid
// until src is filled again.
func (p *pipe) line() ([]byte, error) {
	for {
		b := p.src.buffered()
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line := b[:i]
			switch n := len(line); {
			case n > 0 && line[n-1] == '\r':
				line = line[:n-1]
			case p.client:
				return nil, errBareLF
			}
			p.src.discard(i + 1)
			return line, nil
		}
		if len(b) >= maxLineBytes {
			return nil, p.malformed(errChunkSize)
		}
		if err := p.more(); err != nil {
			return nil, truncated(err)
		}
	}
}

// chunkSize parses a chunk-size line: hex digits, then optional whitespace and extensions, which
// are dropped. More than 15 digits (a size of 2^60 or more) is refused.
func chunkSize(line []byte) (int64, bool) {
	var n int64
	i := 0
	for ; i < len(line); i++ {
		v := unhex(line[i])
		if v < 0 {
			break
		}
		if i == 15 {
			return 0, false
		}
		n = n<<4 | int64(v)
	}
	if i == 0 {
		return 0, false
	}
	rest := trimOWS(line[i:])
	if len(rest) > 0 && rest[0] != ';' {
		return 0, false
	}
	for _, c := range rest {
		if !isValueByte[c] {
			return 0, false
		}
	}
	return n, true
}

// truncated turns the end of the stream in the middle of a body into io.ErrUnexpectedEOF.
func truncated(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}
