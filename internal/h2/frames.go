package h2

import (
	"context"
	"fmt"
	"net/http"

	"golang.org/x/net/http2"
)

// process acts on one frame the client sent. It returns a ConnectionError for what ends the
// connection, a StreamError for what ends one stream.
func (c *conn) process(ctx context.Context, f http2.Frame) error {
	switch f := f.(type) {
	case *http2.HeadersFrame:
		mh, err := c.block.read(f)
		defer c.block.done()
		if err != nil {
			return err
		}
		return c.onHeaders(ctx, mh)
	case *http2.DataFrame:
		return c.onData(f)
	case *http2.SettingsFrame:
		return c.onSettings(f)
	case *http2.WindowUpdateFrame:
		return c.onWindowUpdate(f)
	case *http2.PingFrame:
		if f.IsAck() {
			return nil
		}
		return c.w.do(func(fr *http2.Framer) error { return fr.WritePing(true, f.Data) })
	case *http2.RSTStreamFrame:
		return c.onReset(f)
	case *http2.GoAwayFrame:
		c.goAway() // the client opens no more streams: finish those open, then close
		return nil
	case *http2.PriorityFrame:
		if f.StreamDep == f.StreamID {
			return http2.StreamError{StreamID: f.StreamID, Code: http2.ErrCodeProtocol}
		}
		return nil
	case *http2.PushPromiseFrame:
		return http2.ConnectionError(http2.ErrCodeProtocol) // only servers push
	}
	return nil // unknown frame types are ignored (RFC 9113, 4.1)
}

// onHeaders opens a stream, or ends one with trailers.
func (c *conn) onHeaders(ctx context.Context, f *http2.MetaHeadersFrame) error {
	id := f.StreamID
	if id%2 == 0 {
		return http2.ConnectionError(http2.ErrCodeProtocol)
	}
	if f.HasPriority() && f.Priority.StreamDep == id {
		return http2.StreamError{StreamID: id, Code: http2.ErrCodeProtocol} // 5.3.1
	}
	c.mu.Lock()
	s, reset := c.streams[id], id <= c.lastID && c.wasReset(id)
	c.mu.Unlock()
	switch {
	case s != nil:
		return c.onTrailers(s, f)
	case reset:
		return nil // trailers of a stream this side reset: ignored (5.1)
	}
	// Only this goroutine opens streams: what it read of c above still holds for id.
	s = c.newStream(id, f.StreamEnded())
	req, err := c.newRequest(ctx, f, s)
	c.mu.Lock()
	if id <= c.lastID {
		c.mu.Unlock()
		return http2.ConnectionError(http2.ErrCodeProtocol) // a stream id must grow (5.1.1)
	}
	c.lastID = id
	refuse := c.goingAway || c.closed || len(c.streams) >= int(c.srv.maxStreams())
	calm := c.handlers >= 4*int(c.srv.maxStreams())
	ok := !refuse && !calm && !f.Truncated && err == nil
	if ok {
		// Counted open in the same section that checked GOAWAY: a GOAWAY from now on names id.
		c.streams[id] = s
		c.handlers++
	}
	c.mu.Unlock()
	if !ok && s.cancel != nil {
		s.cancel(nil)
	}
	switch {
	case calm:
		// Handlers of streams the client reset are still running: it opens and cancels faster
		// than they end (the "rapid reset" attack).
		return http2.ConnectionError(http2.ErrCodeEnhanceYourCalm)
	case refuse:
		return http2.StreamError{StreamID: id, Code: http2.ErrCodeRefusedStream}
	case f.Truncated:
		return c.answer(id, 431) // the fields passed MaxHeaderListSize
	case err != nil:
		return http2.StreamError{StreamID: id, Code: http2.ErrCodeProtocol, Cause: err}
	}
	go c.run(s, req)
	return nil
}

// answer writes a response of status code alone, ending a stream that never got a handler.
func (c *conn) answer(id uint32, code int) error {
	mf := c.maxFrame()
	return c.w.do(func(fr *http2.Framer) error { return c.w.writeHeaders(id, code, nil, "", nil, true, mf) })
}

// onTrailers ends stream s's request with its trailer fields.
func (c *conn) onTrailers(s *stream, f *http2.MetaHeadersFrame) error {
	if !f.StreamEnded() {
		return http2.StreamError{StreamID: s.id, Code: http2.ErrCodeProtocol} // malformed: trailers end it (8.1)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if s.remoteClosed {
		return http2.StreamError{StreamID: s.id, Code: http2.ErrCodeStreamClosed}
	}
	for _, hf := range f.Fields {
		if hf.IsPseudo() {
			return http2.StreamError{StreamID: s.id, Code: http2.ErrCodeProtocol}
		}
		name := c.canonical(hf.Name)
		if s.announced[name] {
			// Kept aside: the handler may be reading req.Trailer now. The body's Read copies
			// them in when it reaches the end, in the reader's goroutine.
			if s.trailerIn == nil {
				s.trailerIn = http.Header{}
			}
			s.trailerIn[name] = append(s.trailerIn[name], hf.Value)
		}
	}
	return s.endRemote()
}

// onData takes a DATA frame into its stream's request body, within the windows given.
func (c *conn) onData(f *http2.DataFrame) error {
	id, n := f.StreamID, int64(f.Length)
	c.mu.Lock()
	if n > c.recvWindow {
		c.mu.Unlock()
		return http2.ConnectionError(http2.ErrCodeFlowControl)
	}
	c.recvWindow -= n
	s := c.streams[id]
	var err error
	switch {
	case id > c.lastID:
		err = http2.ConnectionError(http2.ErrCodeProtocol) // an idle stream
	case s == nil && c.wasReset(id):
		// A stream this side reset: what the client sent before it knew is ignored (5.1).
	case s == nil || s.remoteClosed:
		err = http2.StreamError{StreamID: id, Code: http2.ErrCodeStreamClosed}
	case n > s.recvWindow:
		err = http2.StreamError{StreamID: id, Code: http2.ErrCodeFlowControl}
	default:
		s.recvWindow -= n
		data := f.Data()
		if err = s.receive(data, n-int64(len(data))); err == nil {
			if f.StreamEnded() {
				err = s.endRemote()
			}
			update := c.windowUpdates(s)
			c.mu.Unlock()
			c.sendUpdates(update)
			return err
		}
	}
	// The frame was not taken: it counted against the connection's window all the same, so the
	// connection gets it back.
	c.unacked += n
	update := c.windowUpdates(nil)
	c.mu.Unlock()
	c.sendUpdates(update)
	return err
}

// wasReset reports whether stream id is one this side reset lately. c.mu is held.
func (c *conn) wasReset(id uint32) bool {
	for _, r := range c.resets {
		if r == id {
			return true
		}
	}
	return false
}

// noteReset remembers that this side reset stream id. c.mu is held.
func (c *conn) noteReset(id uint32) {
	c.resets[c.nextReset%len(c.resets)] = id
	c.nextReset++
}

// onSettings applies the client's SETTINGS and acknowledges them.
func (c *conn) onSettings(f *http2.SettingsFrame) error {
	if f.IsAck() {
		return nil
	}
	c.mu.Lock()
	var table *uint32
	err := f.ForeachSetting(func(s http2.Setting) error {
		if err := s.Valid(); err != nil {
			return err
		}
		switch s.ID {
		case http2.SettingInitialWindowSize:
			delta := int64(s.Val) - c.peerWindow
			c.peerWindow = int64(s.Val)
			for _, st := range c.streams {
				if st.send += delta; st.send > maxWindow {
					return http2.ConnectionError(http2.ErrCodeFlowControl)
				}
				st.cond.Broadcast()
			}
		case http2.SettingMaxFrameSize:
			c.peerMaxFrame = s.Val
		case http2.SettingHeaderTableSize:
			v := s.Val
			table = &v
		}
		return nil
	})
	c.mu.Unlock()
	if err != nil {
		return err
	}
	return c.w.do(func(fr *http2.Framer) error {
		if table != nil {
			c.w.henc.SetMaxDynamicTableSizeLimit(*table)
		}
		return fr.WriteSettingsAck()
	})
}

// onWindowUpdate opens the connection's or a stream's send window further.
func (c *conn) onWindowUpdate(f *http2.WindowUpdateFrame) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	incr := int64(f.Increment)
	if f.StreamID == 0 {
		if c.sendWindow += incr; c.sendWindow > maxWindow {
			return http2.ConnectionError(http2.ErrCodeFlowControl)
		}
		for _, s := range c.streams {
			s.cond.Broadcast()
		}
		return nil
	}
	s := c.streams[f.StreamID]
	if s == nil {
		if f.StreamID > c.lastID {
			return http2.ConnectionError(http2.ErrCodeProtocol) // an idle stream (5.1)
		}
		return nil // a stream that just ended
	}
	if s.send += incr; s.send > maxWindow {
		return http2.StreamError{StreamID: s.id, Code: http2.ErrCodeFlowControl}
	}
	s.cond.Broadcast()
	return nil
}

// onReset ends a stream the client cancelled.
func (c *conn) onReset(f *http2.RSTStreamFrame) error {
	c.mu.Lock()
	s := c.streams[f.StreamID]
	idle := f.StreamID > c.lastID
	c.mu.Unlock()
	if s == nil {
		if idle {
			return http2.ConnectionError(http2.ErrCodeProtocol)
		}
		return nil
	}
	c.cut(s, fmt.Errorf("%w: %v", errStreamReset, f.ErrCode), false)
	return nil
}

// maxFrame returns the largest frame the client takes.
func (c *conn) maxFrame() uint32 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.peerMaxFrame
}

// sendParams returns the largest frame the client takes, and whether no other stream's handler is
// running.
func (c *conn) sendParams() (uint32, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.peerMaxFrame, c.handlers <= 1
}
