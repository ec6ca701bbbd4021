package redistest

import (
	"errors"
	"fmt"
	"os"
	"time"
)

// stopTimeout bounds a graceful stop. Redis 7 waits up to shutdown-timeout
// (10s) for lagging replicas on SIGTERM; we allow a little more.
const stopTimeout = 15 * time.Second

// killTimeout bounds the wait after SIGKILL, which cannot be ignored; it
// only guards against a wedged kernel.
const killTimeout = 10 * time.Second

// errClosed is returned by fault-injection methods after Close.
var errClosed = errors.New("redistest: server is closed")

// running returns the live process, or nil.
func (s *Server) running() *process {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil || s.proc.exited() {
		return nil
	}
	return s.proc
}

// live reports whether the process runs and is not paused: whether it can
// answer.
func (s *Server) live() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.proc != nil && !s.proc.exited() && !s.paused
}

func (s *Server) forget() {
	s.mu.Lock()
	s.proc, s.paused = nil, false
	s.mu.Unlock()
}

// Stop shuts the server down gracefully (SIGTERM, which Redis handles like
// SHUTDOWN NOSAVE here since persistence is off) and waits for it to exit.
// A paused server is resumed so it can act on the signal. If it has not
// exited after 15s it is killed and Stop reports that. Stopping a stopped
// server does nothing.
func (s *Server) Stop() error {
	s.ops.Lock()
	defer s.ops.Unlock()
	return s.stopLocked()
}

func (s *Server) stopLocked() error {
	p := s.running()
	if p == nil {
		s.forget()
		return nil
	}
	defer s.forget()
	if err := p.cmd.Process.Signal(sigTerm); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("redistest: stop %s: %w", s.Addr(), err)
	}
	if sigResume != nil {
		_ = p.cmd.Process.Signal(sigResume)
	}
	if p.wait(stopTimeout) {
		return nil
	}
	if err := s.killProcess(p); err != nil {
		return err
	}
	return fmt.Errorf("redistest: %s did not stop within %s of SIGTERM; killed it", s.Addr(), stopTimeout)
}

// Kill ends the server abruptly (SIGKILL), like a crash or power loss, and
// waits until the process is gone. Killing a stopped server does nothing.
func (s *Server) Kill() error {
	s.ops.Lock()
	defer s.ops.Unlock()
	p := s.running()
	defer s.forget()
	if p == nil {
		return nil
	}
	return s.killProcess(p)
}

func (s *Server) killProcess(p *process) error {
	if err := p.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("redistest: kill %s: %w", s.Addr(), err)
	}
	if !p.wait(killTimeout) {
		return fmt.Errorf("redistest: %s (pid %d) still running %s after SIGKILL", s.Addr(), p.cmd.Process.Pid, killTimeout)
	}
	return nil
}

// Restart starts the server again on the same port with the same config
// file, stopping it gracefully first if it is running, and waits until it
// answers PING. Its data is gone (no persistence); a cluster node keeps its
// node ID and rejoins, and a former Sentinel master comes back with whatever
// role Sentinel wrote into its config. If the port is briefly taken, Restart
// retries until Options.StartTimeout.
func (s *Server) Restart() error {
	s.ops.Lock()
	defer s.ops.Unlock()
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return errClosed
	}
	if err := s.stopLocked(); err != nil {
		return err
	}
	deadline := time.Now().Add(s.spec.opts.startTimeout())
	for {
		err := s.launch()
		if err == nil || !errors.Is(err, errAddrInUse) || time.Now().After(deadline) {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Pause freezes the server (SIGSTOP): connections stay open but nothing is
// answered, like a server stuck in a long command or a network partition.
// Clients see timeouts. Resume undoes it.
func (s *Server) Pause() error {
	s.ops.Lock()
	defer s.ops.Unlock()
	p := s.running()
	if p == nil {
		return fmt.Errorf("redistest: pause %s: not running", s.Addr())
	}
	if sigPause == nil {
		return errors.New("redistest: Pause is not supported on this platform")
	}
	if err := p.cmd.Process.Signal(sigPause); err != nil {
		return fmt.Errorf("redistest: pause %s: %w", s.Addr(), err)
	}
	s.mu.Lock()
	s.paused = true
	s.mu.Unlock()
	return nil
}

// Resume continues a paused server (SIGCONT). Resuming a server that is not
// paused does nothing.
func (s *Server) Resume() error {
	s.ops.Lock()
	defer s.ops.Unlock()
	p := s.running()
	if p == nil || sigResume == nil {
		return nil
	}
	if err := p.cmd.Process.Signal(sigResume); err != nil {
		return fmt.Errorf("redistest: resume %s: %w", s.Addr(), err)
	}
	s.mu.Lock()
	s.paused = false
	s.mu.Unlock()
	return nil
}

// Close kills the server (SIGKILL: there is nothing to save), waits for it
// and removes its directory. It is idempotent; the helpers that take a TB
// call it in Cleanup.
func (s *Server) Close() error {
	s.ops.Lock()
	defer s.ops.Unlock()
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	var err error
	if p := s.running(); p != nil {
		err = s.killProcess(p)
	}
	s.forget()
	if rmErr := os.RemoveAll(s.dir); rmErr != nil && err == nil {
		err = fmt.Errorf("redistest: %w", rmErr)
	}
	return err
}
