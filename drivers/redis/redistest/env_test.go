package redistest_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/stratacache/strata/drivers/redis/redistest"
)

func itoa(i int) string { return strconv.Itoa(i) }

func TestServerURLWithoutEnv(t *testing.T) {
	t.Setenv(redistest.EnvURL, "")
	url, prefix := redistest.ServerURL(t)
	if !strings.HasPrefix(url, "redis://127.0.0.1:") || !strings.HasPrefix(prefix, "strata-test:") {
		t.Fatalf("url %q prefix %q", url, prefix)
	}
	opts, err := goredis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	if err := client(t, opts).Ping(ctxT(t, 10*time.Second)).Err(); err != nil {
		t.Fatal(err)
	}
}

// A shared server: ServerURL must hand out its URL unchanged and, at the
// end of the test, remove the test's keys and nothing else.
func TestServerURLWithEnv(t *testing.T) {
	shared := redistest.StartServer(t, &redistest.Options{Password: "pw"})
	sharedURL := shared.URL() + "" // db 0
	ctx := ctxT(t, 20*time.Second)
	c := client(t, &goredis.Options{Addr: shared.Addr(), Password: "pw"})
	if err := c.Set(ctx, "someone-else", "keep", 0).Err(); err != nil {
		t.Fatal(err)
	}

	var prefix string
	t.Run("user", func(t *testing.T) {
		t.Setenv(redistest.EnvURL, sharedURL)
		var url string
		url, prefix = redistest.ServerURL(t)
		if url != sharedURL {
			t.Fatalf("url %q, want %q", url, sharedURL)
		}
		for i := range 2500 { // more than one SCAN page
			if err := c.Set(ctx, prefix+itoa(i), "x", 0).Err(); err != nil {
				t.Fatal(err)
			}
		}
	})
	if n, err := c.Keys(ctx, prefix+"*").Result(); err != nil || len(n) != 0 {
		t.Fatalf("%d test keys left behind (%v)", len(n), err)
	}
	if v, err := c.Get(ctx, "someone-else").Result(); err != nil || v != "keep" {
		t.Fatalf("a key outside the prefix was touched: %q, %v", v, err)
	}
	if a, b := redistest.RandomPrefix(), redistest.RandomPrefix(); a == b {
		t.Fatalf("RandomPrefix repeated %q", a)
	}
}
