package redistest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// errAddrInUse means another process bound our port between freePorts and
// redis-server's bind; the caller picks new ports (or, on Restart, waits).
var errAddrInUse = errors.New("address already in use")

// process is one run of redis-server. A goroutine waits for it from the
// start, so it is reaped (no zombie) however it ends, and done tells
// everyone when.
type process struct {
	cmd  *exec.Cmd
	done chan struct{}
	err  error // exit status; read only after done is closed
}

func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// wait waits up to d for the process to exit.
func (p *process) wait(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-p.done:
		return true
	case <-t.C:
		return false
	}
}

// launch starts a process with the current config file and waits until it
// answers PING. On failure the process is gone and the error carries the
// tail of its log. The caller holds ops (or owns s exclusively).
func (s *Server) launch() error {
	logOffset := fileSize(filepath.Join(s.dir, "redis.log"))
	earlyOffset := fileSize(filepath.Join(s.dir, "stdout.log"))
	out, err := os.OpenFile(filepath.Join(s.dir, "stdout.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("redistest: %w", err)
	}
	args := []string{s.conf}
	if s.spec.sentinel {
		args = append(args, "--sentinel")
	}
	cmd := exec.Command(s.bin, args...)
	cmd.Dir = s.dir
	cmd.Stdout, cmd.Stderr = out, out // *os.File: handed to the child, no copying goroutine
	cmd.SysProcAttr = procAttr()
	err = cmd.Start()
	out.Close()
	if err != nil {
		return fmt.Errorf("redistest: start %s: %w", s.bin, err)
	}
	p := &process{cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	s.mu.Lock()
	s.proc, s.paused = p, false
	s.mu.Unlock()

	err = s.waitReady(p, s.spec.opts.startTimeout())
	if err == nil {
		return nil
	}
	// Kill on failure so nothing half-started outlives the error.
	_ = p.cmd.Process.Kill()
	p.wait(10 * time.Second)
	s.mu.Lock()
	s.proc = nil
	s.mu.Unlock()
	newLog := readFrom(filepath.Join(s.dir, "stdout.log"), earlyOffset) + readFrom(filepath.Join(s.dir, "redis.log"), logOffset)
	if strings.Contains(newLog, "Address already in use") {
		return fmt.Errorf("redistest: %s: %w", s.Addr(), errAddrInUse)
	}
	return fmt.Errorf("redistest: redis-server on %s: %w\n--- server log (%s) ---\n%s", s.Addr(), err, s.dir, tail(newLog, 2048))
}

// waitReady polls until the process answers PING and INFO reports its PID:
// the PID check proves we reached our own process, not another server that
// happened to hold the port.
func (s *Server) waitReady(p *process, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	// Stop a PING in flight as soon as the process exits: then the port
	// belongs to someone else, who may never answer.
	exitCtx, exitCancel := context.WithCancel(ctx)
	defer exitCancel()
	go func() {
		select {
		case <-p.done:
			exitCancel()
		case <-exitCtx.Done():
		}
	}()
	want := strconv.Itoa(p.cmd.Process.Pid)
	var last error
	for {
		if p.exited() {
			return fmt.Errorf("exited during start (%v)", p.err)
		}
		last = s.pingPID(exitCtx, want)
		if last == nil {
			return nil
		}
		select {
		case <-p.done:
		case <-ctx.Done():
			return fmt.Errorf("not ready within %s: %v", timeout, last)
		case <-time.After(25 * time.Millisecond):
		}
	}
}

func (s *Server) pingPID(ctx context.Context, pid string) error {
	rc, err := dialRESP(ctx, s.admin, time.Second)
	if err != nil {
		return err
	}
	defer rc.Close()
	pong, err := rc.doString(ctx, "PING")
	if err != nil {
		return err
	}
	if pong != "PONG" {
		return fmt.Errorf("PING replied %q", pong)
	}
	info, err := rc.doString(ctx, "INFO", "server")
	if err != nil {
		return err
	}
	if got := infoField(info, "process_id"); got != pid {
		return fmt.Errorf("port %d is served by process %s, not ours (%s)", s.port, got, pid)
	}
	return nil
}

func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

func readFrom(path string, off int64) string {
	b, err := os.ReadFile(path)
	if err != nil || off > int64(len(b)) {
		return ""
	}
	return string(b[off:])
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}
