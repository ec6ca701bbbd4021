//go:build unix

package redistest_test

import (
	"errors"
	"os"
	"syscall"
	"testing"

	"github.com/stratacache/strata/drivers/redis/redistest"
)

// gone reports whether pid no longer exists. kill(pid, 0) succeeds on
// zombies too, so ESRCH also proves the process was reaped.
func gone(pid int) bool {
	return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
}

func TestCleanupStopsEverything(t *testing.T) {
	var pids []int
	var dirs []string
	record := func(servers ...*redistest.Server) {
		for _, s := range servers {
			if s.PID() == 0 {
				t.Errorf("%s not running", s.Addr())
			}
			pids = append(pids, s.PID())
			dirs = append(dirs, s.Dir())
		}
	}
	t.Run("standalone", func(t *testing.T) {
		s := redistest.StartServer(t, nil)
		record(s)
		paused := redistest.StartServer(t, nil)
		if err := paused.Pause(); err != nil { // cleanup must cope with a stopped process
			t.Fatal(err)
		}
		record(paused)
	})
	t.Run("cluster", func(t *testing.T) {
		record(redistest.StartCluster(t, &redistest.ClusterOptions{Masters: 1}).Nodes()...)
	})
	t.Run("sentinel", func(t *testing.T) {
		s := redistest.StartSentinel(t, nil)
		record(append(s.Sentinels(), s.Master(), s.Replica())...)
	})
	for i, pid := range pids {
		if !gone(pid) {
			t.Errorf("pid %d still exists after cleanup", pid)
		}
		if _, err := os.Stat(dirs[i]); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("directory %s still exists after cleanup: %v", dirs[i], err)
		}
	}
}
