package redistest_test

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stratacache/strata/drivers/redis/redistest"
)

// dead reports whether pid is gone or a zombie: a server killed with its
// parent is reparented, and reaping it is then up to init, not us.
func dead(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	// The state follows the parenthesised command name.
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) {
		return s[i+2] == 'Z' || s[i+2] == 'X'
	}
	return false
}

// A test process killed with SIGKILL runs no Cleanup; the parent-death
// signal must still take its servers down.
func TestServersDieWithTestProcess(t *testing.T) {
	if os.Getenv("REDISTEST_CRASH_CHILD") == "1" {
		s, err := redistest.NewServer(nil)
		if err != nil {
			fmt.Println("ERR", err)
			return
		}
		fmt.Println("SERVER", s.PID(), s.Dir())
		time.Sleep(time.Minute) // until the parent kills us
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestServersDieWithTestProcess$")
	cmd.Env = append(os.Environ(), "REDISTEST_CRASH_CHILD=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var pid int
	var dir string
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if _, err := fmt.Sscanf(sc.Text(), "SERVER %d %s", &pid, &dir); err == nil {
			break
		}
		if strings.HasPrefix(sc.Text(), "ERR") {
			t.Fatal(sc.Text())
		}
	}
	if pid == 0 {
		_ = cmd.Process.Kill()
		t.Fatal("child did not report a server")
	}
	t.Cleanup(func() { os.RemoveAll(dir) }) // the crash leaves it behind
	if dead(pid) {
		t.Fatalf("server %d not running before the crash", pid)
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	deadline := time.Now().Add(5 * time.Second)
	for !dead(pid) {
		if time.Now().After(deadline) {
			_ = syscall.Kill(pid, syscall.SIGKILL) // ours (the child's): do not leak it
			t.Fatalf("server %d outlived its killed test process", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
