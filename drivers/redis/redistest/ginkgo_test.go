package redistest_test

import (
	"context"
	"flag"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/extensions/globals"
	goredis "github.com/redis/go-redis/v9"

	"github.com/stratacache/strata/drivers/redis/redistest"
)

// Both kinds of test handle satisfy TB.
var (
	_ redistest.TB = (testing.TB)(nil)
	_ redistest.TB = (FullGinkgoTInterface)(nil)
)

// TestGinkgo runs the helpers under Ginkgo: GinkgoT() as the TB, Cleanup
// mapped to DeferCleanup. The specs are declared here, on a fresh Ginkgo suite,
// so that go test -count=N can run them again.
func TestGinkgo(t *testing.T) {
	globals.Reset()
	describeStartServer()
	if f := flag.Lookup("test.count"); f != nil && f.Value.String() != "1" {
		n := f.Value.String() // RunSpecs exits unless -count is 1 (see conformance.Run)
		_ = f.Value.Set("1")
		defer func() { _ = f.Value.Set(n) }()
	}
	RunSpecs(t, "redistest under Ginkgo")
}

func describeStartServer() bool {
	return Describe("StartServer with GinkgoT", Ordered, func() {
		var pid int
		It("starts a server", func() {
			srv := redistest.StartServer(GinkgoT(), nil)
			pid = srv.PID()
			c := goredis.NewClient(&goredis.Options{Addr: srv.Addr()})
			DeferCleanup(c.Close)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := c.Ping(ctx).Err(); err != nil {
				Fail("PING: " + err.Error())
			}
		})
		It("stopped it when the spec ended", func() {
			if pid == 0 {
				Fail("no server was started")
			}
			if !gone(pid) {
				Fail("server process still exists after the spec")
			}
		})
	})
}
