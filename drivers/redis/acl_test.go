package redis

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/stratacache/strata"
	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/drivers/redis/redistest"
	"github.com/stratacache/strata/registry"
)

// ACL fixtures: an admin password for the default user (so nothing works
// unauthenticated) and an application user confined to the keys app:*.
const (
	aclAdminPassword = "adm-pw-777"
	aclAppUser       = "app"
	aclAppPassword   = "pw-app-123"
	aclWrongPassword = "not-the-pw-456"
)

func startACLServer(t *testing.T) *redistest.Server {
	t.Helper()
	return redistest.StartServer(t, &redistest.Options{
		Password: aclAdminPassword,
		Users: []redistest.User{
			// redistest appends ">pw-app-123" to the rules.
			{Name: aclAppUser, Password: aclAppPassword, Rules: "on ~app:* &* +@all"},
			// A user that exists but is disabled.
			{Name: "off-user", Password: aclAppPassword, Rules: "off ~* &* +@all"},
		},
	})
}

// aclAdmin is a client logged in as the default user, for checking what the
// adapter stored.
func aclAdmin(t *testing.T, srv *redistest.Server) *goredis.Client {
	t.Helper()
	c := goredis.NewClient(&goredis.Options{Addr: srv.Addr(), Password: aclAdminPassword})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// TestACLUserWithinItsKeyPattern opens the adapter as an ACL user whose keys
// are restricted to app:* with prefix=app:, and checks that every operation
// works and lands under the prefix.
func TestACLUserWithinItsKeyPattern(t *testing.T) {
	ctx := ctxT(t)
	srv := startACLServer(t)
	admin := aclAdmin(t, srv)
	raw := srv.UserURL(aclAppUser) + "?prefix=app:"
	if !strings.Contains(raw, "app:"+aclAppPassword+"@") {
		t.Fatalf("UserURL %s does not carry the app user's credentials", srv.RedactedURL())
	}

	ra, err := registry.Open(ctx, raw)
	if err != nil {
		t.Fatalf("registry.Open as ACL user: %v", err)
	}
	t.Cleanup(func() { _ = ra.Close() })
	a, ok := ra.(*Adapter)
	if !ok {
		t.Fatalf("registry.Open returned %T", ra)
	}
	if a.Prefix() != "app:" {
		t.Fatalf("prefix %q", a.Prefix())
	}
	// The connection really is the app user's.
	if who, err := a.Client().Do(ctx, "ACL", "WHOAMI").Text(); err != nil || who != aclAppUser {
		t.Fatalf("ACL WHOAMI = %q, %v", who, err)
	}

	// Keys outside the prefix that Clear must leave alone.
	if err := admin.Set(ctx, "other:keep", "x", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if err := admin.Set(ctx, "appkeep", "x", 0).Err(); err != nil {
		t.Fatal(err)
	}

	c := strata.New[string](a, nil)
	if err := c.Set(ctx, "k1", "v1", time.Hour); err != nil {
		t.Fatalf("Set: %v", err)
	}
	if v, err := c.Get(ctx, "k1"); err != nil || v != "v1" {
		t.Fatalf("Get = %q, %v", v, err)
	}
	// Raw bytes land under app:.
	if n, err := admin.Exists(ctx, "app:k1").Result(); err != nil || n != 1 {
		t.Fatalf("EXISTS app:k1 = %d, %v: the prefix was not applied", n, err)
	}
	if err := c.SetMany(ctx, map[string]string{"k2": "v2", "k3": "v3"}, time.Hour); err != nil {
		t.Fatalf("SetMany: %v", err)
	}
	got, err := c.GetMany(ctx, "k1", "k2", "k3", "missing")
	if err != nil || len(got) != 3 || got["k3"] != "v3" {
		t.Fatalf("GetMany = %v, %v", got, err)
	}
	if v, err := c.UpdateTimeout(ctx, "k2", time.Minute); err != nil || v != "v2" {
		t.Fatalf("UpdateTimeout = %q, %v", v, err)
	}
	if _, err := c.Get(ctx, "missing"); !errors.Is(err, adapter.ErrNotFound) {
		t.Fatalf("Get(missing) = %v, want ErrNotFound", err)
	}
	if all, err := c.Remove(ctx, "k1", "missing"); err != nil || all {
		t.Fatalf("Remove(k1, missing) = %v, %v", all, err)
	}
	if _, err := c.Get(ctx, "k1"); !errors.Is(err, adapter.ErrNotFound) {
		t.Fatalf("Get after Remove = %v", err)
	}
	if err := a.Ping(ctx); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	if err := a.Publish(ctx, "k2"); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	if err := a.Clear(ctx, ""); err != nil {
		t.Fatalf("Clear: %v", err)
	}
	if got, err := c.GetMany(ctx, "k2", "k3"); err != nil || len(got) != 0 {
		t.Fatalf("after Clear: %v, %v", got, err)
	}
	for _, k := range []string{"other:keep", "appkeep"} {
		if n, err := admin.Exists(ctx, k).Result(); err != nil || n != 1 {
			t.Errorf("Clear removed %s (EXISTS = %d, %v)", k, n, err)
		}
	}
}

// TestACLWrongPasswordFailsAtOpen: a wrong password (or a disabled user) fails
// at Open with the server's WRONGPASS, and no password appears in the error.
func TestACLWrongPasswordFailsAtOpen(t *testing.T) {
	ctx := ctxT(t)
	srv := startACLServer(t)
	for name, raw := range map[string]string{
		"wrong password": "redis://" + aclAppUser + ":" + aclWrongPassword + "@" + srv.Addr() + "/0?prefix=app:",
		"disabled user":  "redis://off-user:" + aclAppPassword + "@" + srv.Addr() + "/0?prefix=app:",
	} {
		t.Run(name, func(t *testing.T) {
			for opener, open := range map[string]func() (adapter.Adapter, error){
				"Open": func() (adapter.Adapter, error) {
					a, err := OpenURL(ctx, raw)
					if a == nil {
						return nil, err
					}
					return a, err
				},
				"registry.Open": func() (adapter.Adapter, error) { return registry.Open(ctx, raw) },
			} {
				a, err := open()
				if err == nil {
					_ = a.Close()
					t.Fatalf("%s succeeded", opener)
				}
				msg := err.Error()
				if !strings.Contains(msg, "WRONGPASS") || !goredis.HasErrorPrefix(err, "WRONGPASS") {
					t.Errorf("%s error %q: want the server's WRONGPASS, reachable with errors.As", opener, msg)
				}
				for _, secret := range []string{aclWrongPassword, aclAppPassword, aclAdminPassword} {
					if strings.Contains(msg, secret) {
						t.Errorf("%s error leaks a password (%s): %q", opener, secret, msg)
					}
				}
				if !strings.Contains(msg, srv.Addr()) {
					t.Errorf("%s error %q does not name the address", opener, msg)
				}
				t.Logf("%s: %v", opener, err)
			}

			// lazy=true: the first call fails with the auth error, which is not
			// a miss.
			a, err := OpenURL(ctx, raw+"&lazy=true")
			if err != nil {
				t.Fatalf("lazy Open: %v", err)
			}
			defer a.Close()
			_, err = a.Get(ctx, "k")
			if err == nil || errors.Is(err, adapter.ErrNotFound) || !strings.Contains(err.Error(), "WRONGPASS") {
				t.Errorf("Get through a lazy adapter with a bad login = %v, want WRONGPASS", err)
			}
			if err != nil && strings.Contains(err.Error(), aclWrongPassword) {
				t.Errorf("Get error leaks the password: %v", err)
			}
		})
	}
}

// TestACLNoPermOutsideThePattern: the app user, confined to app:*, given the
// prefix other:, gets the server's NOPERM from every operation. It is returned
// as an error and never turned into a miss, a default, or a loader call.
func TestACLNoPermOutsideThePattern(t *testing.T) {
	srv := startACLServer(t)
	admin := aclAdmin(t, srv)
	for _, grace := range []time.Duration{0, time.Minute} {
		t.Run("grace="+grace.String(), func(t *testing.T) {
			ctx := ctxT(t)
			raw := srv.UserURL(aclAppUser) + "?prefix=other:"
			if grace > 0 {
				raw += "&grace=" + grace.String()
			}
			a, err := OpenURL(ctx, raw)
			if err != nil {
				t.Fatalf("Open (PING needs no key permission): %v", err)
			}
			t.Cleanup(func() { _ = a.Close() })
			// A key that exists, so a forbidden read is not mistaken for a miss
			// by accident and Clear's SCAN finds something to UNLINK.
			if err := admin.Set(ctx, "other:k", "secret value", 0).Err(); err != nil {
				t.Fatal(err)
			}
			// ReturnCacheError: by default GetOrSet would load past the NOPERM read
			// (and report it to Options.OnError); this test is about the error itself.
			c := strata.New(a, &strata.Options[string]{FailurePolicy: strata.ReturnCacheError})
			loaderCalled := false
			for op, call := range map[string]func() error{
				"Set":      func() error { return c.Set(ctx, "k", "v", time.Hour) },
				"Get":      func() error { _, err := c.Get(ctx, "k"); return err },
				"Get(new)": func() error { _, err := c.Get(ctx, "never-written"); return err },
				"GetOrDefault": func() error {
					v, err := c.GetOrDefault(ctx, "never-written", "def")
					if err == nil {
						return errors.New("no error, value " + v)
					}
					return err
				},
				"GetOrSet": func() error {
					_, err := c.GetOrSet(ctx, "never-written", time.Hour, func(context.Context) (string, error) {
						loaderCalled = true
						return "loaded", nil
					})
					return err
				},
				"GetMany": func() error {
					got, err := c.GetMany(ctx, "k", "j")
					if err == nil {
						return errors.New("no error, " + strings.Repeat("hit ", len(got)))
					}
					return err
				},
				"SetMany":       func() error { return c.SetMany(ctx, map[string]string{"k": "v", "j": "w"}, time.Hour) },
				"Remove":        func() error { _, err := c.Remove(ctx, "k"); return err },
				"Remove(many)":  func() error { _, err := c.Remove(ctx, "k", "j"); return err },
				"UpdateTimeout": func() error { _, err := c.UpdateTimeout(ctx, "k", time.Minute); return err },
				"GetWithTTL":    func() error { _, _, err := a.GetWithTTL(ctx, "k"); return err },
				"Clear":         func() error { return a.Clear(ctx, "") },
			} {
				err := call()
				switch {
				case err == nil:
					t.Errorf("%s outside the ACL key pattern succeeded", op)
				case errors.Is(err, adapter.ErrNotFound):
					t.Errorf("%s: NOPERM turned into a miss: %v", op, err)
				case !strings.Contains(err.Error(), "NOPERM"):
					t.Errorf("%s = %v, want the server's NOPERM", op, err)
				default:
					var rerr goredis.Error
					if !errors.As(err, &rerr) {
						t.Errorf("%s: %v does not wrap the go-redis error", op, err)
					}
					if strings.Contains(err.Error(), aclAppPassword) {
						t.Errorf("%s error leaks the password: %v", op, err)
					}
					t.Logf("%s: %v", op, err)
				}
			}
			if loaderCalled {
				t.Error("GetOrSet called the loader after a NOPERM read")
			}
			// Nothing was written or removed outside the pattern.
			if v, err := admin.Get(ctx, "other:k").Result(); err != nil || v != "secret value" {
				t.Errorf("other:k = %q, %v after the forbidden calls", v, err)
			}
			if n, err := admin.Exists(ctx, "other:j", "other:never-written").Result(); err != nil || n != 0 {
				t.Errorf("forbidden writes stored %d keys (%v)", n, err)
			}
		})
	}
}
