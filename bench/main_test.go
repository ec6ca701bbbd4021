package bench

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"testing"
)

// env is the process's redis-server and subjects, started by TestMain.
var env *Env

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	e, err := Start(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	env = e
	defer func() {
		if err := e.Close(); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
	}()
	defer e.Recover()
	// Read by cmd/report (and shown by benchstat as configuration).
	fmt.Printf("redis-server: %s\n", e.RedisVersion())
	fmt.Printf("go: %s\n", runtime.Version())
	fmt.Printf("gomaxprocs: %d\n", runtime.GOMAXPROCS(0))
	return m.Run()
}
