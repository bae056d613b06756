package h2

import (
	"errors"
	"fmt"
	"strings"

	"golang.org/x/net/http/httpguts"
	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

var errPseudoAfterRegular = errors.New("http2: pseudo-header field after a regular one")

// headerBlock decodes the header blocks a connection receives (a HEADERS frame and the
// CONTINUATION frames after it) with the connection's HPACK decoder, into one MetaHeadersFrame
// used again for each block: the read loop is done with a block before it reads the next frame.
//
// x/net's Framer does the same when given a decoder (ReadMetaHeaders), but makes a frame, a
// closure, the variables it captures and a growing list of fields for each block: nine of the
// proxy's allocations per HTTP/2 request. The checks are the ones it makes, in the same order: a
// field value with a control character, a field name not lower-case or not a token, or a
// pseudo-header field after a regular one ends the stream; the decoded list past MaxHeaderListSize
// marks the block Truncated (431), and a fragment that would go on past it by far ends the
// connection (CVE-2023-45288); HPACK it cannot decode ends the connection with COMPRESSION_ERROR.
// The decoder goes on through a block whose fields are refused, so its table stays the client's.
type headerBlock struct {
	fr      *http2.Framer
	dec     *hpack.Decoder
	max     uint32
	meta    http2.MetaHeadersFrame
	remain  uint32 // of the list's size, for the fields but Trailer
	trailer uint32 // of the list's size, for the names Trailer announces
	regular bool   // a regular field was seen: a pseudo-header field may not follow
	invalid error  // why the block's fields are refused
}

func newHeaderBlock(fr *http2.Framer, maxList uint32) *headerBlock {
	b := &headerBlock{fr: fr, max: maxList}
	b.dec = hpack.NewDecoder(4096, b.emit) // the method value is made once, here
	b.dec.SetMaxStringLength(int(maxList))
	return b
}

// read decodes the block hf begins, reading its CONTINUATION frames. The frame returned is valid
// until done.
func (b *headerBlock) read(hf *http2.HeadersFrame) (*http2.MetaHeadersFrame, error) {
	clear(b.meta.Fields) // the last block's strings
	b.meta = http2.MetaHeadersFrame{HeadersFrame: hf, Fields: b.meta.Fields[:0]}
	b.remain, b.trailer, b.regular, b.invalid = b.max, b.max, false, nil
	b.dec.SetEmitEnabled(true)
	frag, ended := hf.HeaderBlockFragment(), hf.HeadersEnded()
	for {
		if int64(len(frag)) > 2*int64(b.remain+b.trailer) || b.invalid != nil {
			return nil, http2.ConnectionError(http2.ErrCodeProtocol)
		}
		if _, err := b.dec.Write(frag); err != nil {
			return nil, http2.ConnectionError(http2.ErrCodeCompression)
		}
		if ended {
			break
		}
		f, err := b.fr.ReadFrame() // the Framer refuses any frame but this stream's CONTINUATION
		if err != nil {
			return nil, err
		}
		cf, ok := f.(*http2.ContinuationFrame)
		if !ok {
			return nil, http2.ConnectionError(http2.ErrCodeProtocol)
		}
		frag, ended = cf.HeaderBlockFragment(), cf.HeadersEnded()
	}
	if err := b.dec.Close(); err != nil {
		return nil, http2.ConnectionError(http2.ErrCodeCompression)
	}
	if b.invalid != nil {
		return nil, http2.StreamError{StreamID: hf.StreamID, Code: http2.ErrCodeProtocol, Cause: b.invalid}
	}
	if err := checkPseudos(b.meta.PseudoFields()); err != nil {
		return nil, http2.StreamError{StreamID: hf.StreamID, Code: http2.ErrCodeProtocol, Cause: err}
	}
	return &b.meta, nil
}

// maxKeptFields bounds the list a connection keeps between blocks: a client whose block had more
// fields (1,000 one-byte references to its table fit in a 1 KB frame) leaves no list that size.
const maxKeptFields = 64

// done forgets the block read last, once the read loop is through with it: its strings, and its
// list when a block made that large.
func (b *headerBlock) done() {
	clear(b.meta.Fields)
	b.meta = http2.MetaHeadersFrame{Fields: b.meta.Fields[:0]}
	if cap(b.meta.Fields) > maxKeptFields {
		b.meta.Fields = nil
	}
}

func (b *headerBlock) emit(f hpack.HeaderField) {
	pseudo := strings.HasPrefix(f.Name, ":")
	switch {
	case !httpguts.ValidHeaderFieldValue(f.Value):
		b.invalid = fmt.Errorf("http2: invalid value of field %q", f.Name) // not the value: it may be secret
	case pseudo && b.regular:
		b.invalid = errPseudoAfterRegular
	case !pseudo && !lowerToken(f.Name):
		b.invalid = fmt.Errorf("http2: invalid field name %q", f.Name)
	}
	b.regular = b.regular || !pseudo
	if b.invalid != nil {
		b.dec.SetEmitEnabled(false)
		return
	}
	remain, size := &b.remain, f.Size()
	if f.Name == "trailer" {
		// As x/net counts it: each announced name as if a field of its own.
		n := uint32(strings.Count(f.Value, ",") + 1)
		remain, size = &b.trailer, uint32(len(f.Value))-n+1+n*hpack.HeaderField{}.Size()
	}
	if size > *remain {
		b.dec.SetEmitEnabled(false)
		b.meta.Truncated = true
		b.remain, b.trailer = 0, 0
		return
	}
	*remain -= size
	b.meta.Fields = append(b.meta.Fields, f)
}

// lowerToken reports whether name may be a field name on the wire: a token, in lower case.
func lowerToken(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; !httpguts.IsTokenRune(rune(c)) || 'A' <= c && c <= 'Z' {
			return false
		}
	}
	return true
}

// checkPseudos refuses pseudo-header fields unknown, given twice, or of a request and a
// response both.
func checkPseudos(fields []hpack.HeaderField) error {
	var request, response bool
	for i, f := range fields {
		switch f.Name {
		case ":method", ":path", ":scheme", ":authority", ":protocol":
			request = true
		case ":status":
			response = true
		default:
			return fmt.Errorf("http2: unknown pseudo-header field %q", f.Name)
		}
		for _, g := range fields[:i] {
			if f.Name == g.Name {
				return fmt.Errorf("http2: pseudo-header field %q given twice", f.Name)
			}
		}
	}
	if request && response {
		return errors.New("http2: pseudo-header fields of a request and a response both")
	}
	return nil
}
