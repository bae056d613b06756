package proxy

import "time"

// sendBody sends a body that is in the buffer already along with the head; one still to come is
// streamed by a goroutine of its own, so that a backend that answers before it read it all, or
// while it reads, is heard.
func (c *conn) sendBody(up *upConn) error {
	x := &c.x
	if x.spool != nil {
		return c.sendSpool(up)
	}
	if x.body != bodyPending {
		x.unsent = true // sent with the read that waits for the answer: see upConn.sendFill
		return nil
	}
	if !c.req.chunked && int64(c.br.len()) >= c.req.length {
		up.bw.Write(c.br.buffered()[:c.req.length])
		c.br.discard(int(c.req.length))
		x.body, x.unsent = bodyNone, true
		return nil
	}
	// A cut stops reads from the client by a deadline in the past; see it before clearing that.
	c.setReadBy(time.Time{})
	if c.cut.Load() {
		return ErrCut
	}
	if c.bodyDone == nil {
		c.bodyDone = make(chan struct{}, 1)
	}
	x.body = bodyRunning
	c.bodyEndAt.Store(0)
	c.bodyEnd.Store(bodyGoing)
	go c.streamBody(up)
	return nil
}

// streamBody sends the request body to the backend; it runs in its own goroutine.
func (c *conn) streamBody(up *upConn) {
	p := pipe{dst: up.bw, src: &c.br, fill: c.fillClient, client: true}
	var err error
	if c.req.chunked {
		err = p.chunked(true)
	} else {
		err = p.copyN(c.req.length)
	}
	if err == nil {
		if err = up.bw.Flush(); err != nil {
			p.dstErr = err
		}
	}
	c.x.bodyErr, c.x.bodyToUp = err, p.dstErr != nil
	c.bodyEndAt.Store(time.Now().UnixNano())
	// The body will not be complete: the backend must not wait for the rest of it. When writing
	// to the backend failed, its answer may be on its way, so that connection stays open.
	if err != nil && p.dstErr == nil && c.bodyEnd.CompareAndSwap(bodyGoing, bodyBroke) {
		c.closeUp()
	}
	c.bodyDone <- struct{}{}
}

// joinBody waits for the body goroutine, stopping it first when it is not done: the response is
// over, or failed, and what is left of the body is not wanted.
func (c *conn) joinBody() {
	if c.x.body != bodyRunning {
		return
	}
	select {
	case <-c.bodyDone:
	default:
		if c.bodyEnd.CompareAndSwap(bodyGoing, bodyStopped) {
			c.setReadBy(aLongTimeAgo)
			c.closeUp()
		}
		<-c.bodyDone
	}
	c.bodyJoined()
}

// bodyStopped reports whether no body goroutine reads from the client.
func (c *conn) bodyStopped() bool {
	if c.x.body != bodyRunning {
		return true
	}
	select {
	case <-c.bodyDone:
		c.bodyJoined()
		return true
	default:
		return false
	}
}

// bodyJoined settles the body's state once its goroutine is done.
func (c *conn) bodyJoined() {
	x := &c.x
	x.bodyCut = c.bodyEnd.Load() == bodyStopped
	x.body = bodyNone
	if x.bodyErr != nil || x.bodyCut {
		x.body = bodyFailed
	}
}
