package redistest

import (
	"net"
	"strings"
	"testing"
)

// The first port handed out is taken by someone else: start must notice
// "Address already in use" in the log and retry with another port.
func TestStartRetriesWhenPortIsTaken(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	takenPort := taken.Addr().(*net.TCPAddr).Port
	calls := 0
	pickPorts = func(n int) ([]int, error) {
		calls++
		if calls == 1 {
			return []int{takenPort}, nil
		}
		return freePorts(n)
	}
	t.Cleanup(func() { pickPorts = freePorts })

	s := StartServer(t, nil)
	if calls != 2 || s.Port() == takenPort {
		t.Fatalf("calls %d, port %d (taken %d)", calls, s.Port(), takenPort)
	}
	if s.PID() == 0 {
		t.Fatal("not running")
	}
}

func TestStartGivesUpOnPersistentCollision(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	port := taken.Addr().(*net.TCPAddr).Port
	pickPorts = func(int) ([]int, error) { return []int{port}, nil }
	t.Cleanup(func() { pickPorts = freePorts })
	_, err = NewServer(nil)
	if err == nil || !strings.Contains(err.Error(), "address already in use") {
		t.Fatalf("err = %v", err)
	}
}

func TestQuote(t *testing.T) {
	for in, want := range map[string]string{
		`plain`:    `"plain"`,
		`a "b" \c`: `"a \"b\" \\c"`,
		"nl\n\x7f": `"nl\x0a\x7f"`,
	} {
		if got := quote(in); got != want {
			t.Errorf("quote(%q) = %s, want %s", in, got, want)
		}
	}
}
