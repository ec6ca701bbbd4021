package layered

import (
	"context"
	"errors"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/drivers/redis"
	"github.com/stratacache/strata/drivers/redis/redistest"
	"github.com/stratacache/strata/registry"
)

// ACL fixtures. Redis 7 gives a user no channel unless a rule grants one
// (acl-pubsub-default resetchannels): "~app:* +@all" is what a typical
// application user looks like, and it may neither PUBLISH nor SUBSCRIBE.
const (
	aclAdminPassword = "adm-pw-layered-1"
	aclPassword      = "app-pw-layered-2"
	aclChannel       = "strata:invalidate:app:"
)

func startACLServer(t *testing.T) *redistest.Server {
	t.Helper()
	return redistest.StartServer(t, &redistest.Options{
		Password: aclAdminPassword,
		Users: []redistest.User{
			{Name: "nochannel", Password: aclPassword, Rules: "on ~app:* +@all"},
			{Name: "nopublish", Password: aclPassword, Rules: "on ~app:* &* +@all -publish"},
			{Name: "full", Password: aclPassword, Rules: "on ~app:* &* +@all"},
		},
	})
}

// aclURL is a layered URL over srv as user, under the prefix app:.
func aclURL(srv *redistest.Server, user string, params ...string) string {
	l2 := srv.UserURL(user) + "?prefix=app:"
	return "layered://?" + strings.Join(append([]string{"l2=" + url.QueryEscape(l2)}, params...), "&")
}

// TestACLWithoutChannelFailsAtOpen: a user that may not publish or subscribe on
// the invalidation channel cannot keep L1 coherent, so Open fails at once with an
// error naming the ACL rule to add, rather than succeeding and then failing every
// write and bypassing L1 for ever.
func TestACLWithoutChannelFailsAtOpen(t *testing.T) {
	srv := startACLServer(t)
	for _, user := range []string{"nochannel", "nopublish"} {
		openers := map[string]func(ctx context.Context) (adapter.Adapter, error){
			"registry.Open": func(ctx context.Context) (adapter.Adapter, error) {
				return registry.Open(ctx, aclURL(srv, user))
			},
			"New": func(ctx context.Context) (adapter.Adapter, error) {
				l2, err := redis.OpenURL(ctx, srv.UserURL(user)+"?prefix=app:")
				if err != nil {
					return nil, err
				}
				l1 := mustMem(t)
				a, err := New(l1, l2, nil)
				if err != nil {
					_ = l2.Close() // New leaves both layers to the caller on error
					_ = l1.Close()
					return nil, err
				}
				return a, nil
			},
		}
		for name, open := range openers {
			t.Run(user+"/"+name, func(t *testing.T) {
				ctx := ctxT(t)
				start := time.Now()
				a, err := open(ctx)
				if err == nil {
					_ = a.Close()
					t.Fatal("Open succeeded for a user without the invalidation channel")
				}
				if d := time.Since(start); d > 5*time.Second {
					t.Errorf("Open took %v to fail", d)
				}
				msg := err.Error()
				for _, want := range []string{"NOPERM", "&" + aclChannel, "allchannels", "invalidation=false"} {
					if !strings.Contains(msg, want) {
						t.Errorf("error %q does not mention %q", msg, want)
					}
				}
				for _, secret := range []string{aclPassword, aclAdminPassword} {
					if strings.Contains(msg, secret) {
						t.Errorf("error leaks a password: %q", msg)
					}
				}
				if errors.Is(err, adapter.ErrUnavailable) {
					t.Errorf("a refusal is reported as an outage: %v", err)
				}
				t.Logf("%v", err)
			})
		}
	}
}

// TestACLDegradedModeWithoutInvalidation: with invalidation=false the URL asks to
// run without pub/sub, L1 staleness bounded by l1_ttl. Open succeeds for the same
// user, writes succeed, and reads are served from L1.
func TestACLDegradedModeWithoutInvalidation(t *testing.T) {
	ctx := ctxT(t)
	srv := startACLServer(t)
	admin := openRedis(t, srv.URL(), "app:")
	t.Cleanup(func() { _ = admin.Close() })
	ra, err := registry.Open(ctx, aclURL(srv, "nochannel", "invalidation=false", "l1_ttl=1m"))
	if err != nil {
		t.Fatalf("Open with invalidation=false: %v", err)
	}
	t.Cleanup(func() { _ = ra.Close() })
	a := ra.(*Adapter)
	if err := a.Set(ctx, "k", []byte("v"), time.Hour); err != nil {
		t.Fatalf("Set: %v", err)
	}
	if v, err := admin.Get(ctx, "k"); err != nil || string(v) != "v" {
		t.Fatalf("Redis holds %q, %v", v, err)
	}
	if err := admin.Client().Do(ctx, "CONFIG", "RESETSTAT").Err(); err != nil {
		t.Fatal(err)
	}
	for range 100 {
		if v, err := a.Get(ctx, "k"); err != nil || string(v) != "v" {
			t.Fatalf("Get = %q, %v", v, err)
		}
	}
	if n := serverGets(t, admin); n > 1 {
		t.Errorf("100 Gets of a key this process wrote made %d GETs on the server; want L1 hits", n)
	}
	if !a.Healthy() {
		t.Error("not Healthy in degraded mode")
	}
}

// TestNotAnnouncedWhenPublishIsRefused: a write that reached Redis but could not
// be announced (the user lost its channel at run time) returns ErrNotAnnounced,
// wrapping the server's refusal, and the value is in Redis.
func TestNotAnnouncedWhenPublishIsRefused(t *testing.T) {
	ctx := ctxT(t)
	srv := startACLServer(t)
	admin := openRedis(t, srv.URL(), "app:")
	t.Cleanup(func() { _ = admin.Close() })
	ra, err := registry.Open(ctx, aclURL(srv, "full"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ra.Close() })
	a := ra.(*Adapter)
	if err := a.Set(ctx, "k", []byte("v1"), time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := admin.Client().Do(ctx, "ACL", "SETUSER", "full", "resetchannels").Err(); err != nil {
		t.Fatal(err)
	}
	err = a.Set(ctx, "k", []byte("v2"), time.Hour)
	if !errors.Is(err, ErrNotAnnounced) || !strings.Contains(err.Error(), "NOPERM") {
		t.Fatalf("Set after the channel was revoked = %v; want ErrNotAnnounced wrapping NOPERM", err)
	}
	if errors.Is(err, adapter.ErrUnavailable) {
		t.Errorf("a refused publication is reported as an outage: %v", err)
	}
	if v, err := admin.Get(ctx, "k"); err != nil || string(v) != "v2" {
		t.Errorf("Redis holds %q, %v; ErrNotAnnounced means the value is stored", v, err)
	}
	t.Logf("%v", err)
}

var getCalls = regexp.MustCompile(`cmdstat_get:calls=(\d+)`)

// serverGets returns how many GETs the server ran since its stats were reset.
func serverGets(t *testing.T, admin *redis.Adapter) int {
	t.Helper()
	info, err := admin.Client().Do(context.Background(), "INFO", "commandstats").Text()
	if err != nil {
		t.Fatal(err)
	}
	m := getCalls.FindStringSubmatch(info)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}
