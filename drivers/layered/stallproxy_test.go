package layered

import (
	"net"
	"sync"
	"testing"
)

// stallProxy is a TCP proxy in front of one address that can stop forwarding
// without closing anything: a silent network partition. While stalled it still
// accepts connections, and bytes already read wait in the proxy until Resume.
type stallProxy struct {
	ln     net.Listener
	target string

	mu      sync.Mutex
	stalled bool
	resume  chan struct{} // closed by Resume
	conns   map[net.Conn]struct{}
	closed  bool
	wg      sync.WaitGroup
}

// startStallProxy listens on a free loopback port and forwards to target; it is
// closed at the end of the test.
func startStallProxy(t testing.TB, target string) *stallProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &stallProxy{ln: ln, target: target, conns: map[net.Conn]struct{}{}}
	p.wg.Go(p.accept)
	t.Cleanup(p.Close)
	return p
}

// Addr is the address clients dial instead of target.
func (p *stallProxy) Addr() string { return p.ln.Addr().String() }

// Stall stops forwarding in both directions, closing nothing.
func (p *stallProxy) Stall() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.stalled {
		p.stalled, p.resume = true, make(chan struct{})
	}
}

// Resume forwards again, starting with what was held.
func (p *stallProxy) Resume() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stalled {
		p.stalled = false
		close(p.resume)
	}
}

// Close stops the proxy, closes every connection and waits for its goroutines.
func (p *stallProxy) Close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	_ = p.ln.Close()
	for c := range p.conns {
		_ = c.Close()
	}
	p.mu.Unlock()
	p.Resume()
	p.wg.Wait()
}

// track registers c to be closed by Close; it reports false if Close already ran.
func (p *stallProxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		_ = c.Close()
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

// gate waits while the proxy is stalled.
func (p *stallProxy) gate() {
	p.mu.Lock()
	stalled, resume := p.stalled, p.resume
	p.mu.Unlock()
	if stalled {
		<-resume
	}
}

func (p *stallProxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return // closed
		}
		if !p.track(c) {
			return
		}
		p.wg.Go(func() {
			up, err := net.Dial("tcp", p.target)
			if err != nil || !p.track(up) {
				_ = c.Close()
				return
			}
			var pair sync.WaitGroup
			pair.Go(func() { p.pipe(up, c) })
			pair.Go(func() { p.pipe(c, up) })
			pair.Wait()
		})
	}
}

// pipe copies src to dst, holding every chunk while the proxy is stalled. When
// either side ends, both are closed.
func (p *stallProxy) pipe(dst, src net.Conn) {
	defer func() { _ = dst.Close(); _ = src.Close() }()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			p.gate()
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return // EOF or a closed connection
		}
	}
}
