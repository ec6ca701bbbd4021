package redis

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/drivers/redis/redistest"
	"github.com/stratacache/strata/registry"
)

func TestParseURLStandalone(t *testing.T) {
	cfg, err := ParseURL("redis://app:s3cret@cache.internal:6380/2?prefix=app:&grace=30s&lazy=true" +
		"&pool_size=7&dial_timeout=2s&read_timeout=1s&write_timeout=3&allow_clear_without_prefix=true" +
		"&invalidation_channel=inv&open_timeout=500ms&client_name=strata")
	if err != nil {
		t.Fatal(err)
	}
	o := cfg.Standalone
	if o == nil || cfg.Cluster != nil || cfg.Sentinel != nil {
		t.Fatalf("want only Standalone options, got %+v", cfg)
	}
	if o.Addr != "cache.internal:6380" || o.DB != 2 || o.Username != "app" || o.Password != "s3cret" {
		t.Errorf("Addr %q DB %d user %q pass %q", o.Addr, o.DB, o.Username, o.Password)
	}
	if o.PoolSize != 7 || o.DialTimeout != 2*time.Second || o.ReadTimeout != time.Second || o.WriteTimeout != 3*time.Second {
		t.Errorf("pool %d dial %v read %v write %v", o.PoolSize, o.DialTimeout, o.ReadTimeout, o.WriteTimeout)
	}
	if o.ClientName != "strata" || !o.ContextTimeoutEnabled || o.TLSConfig != nil {
		t.Errorf("client name %q, ContextTimeoutEnabled %v, TLS %v", o.ClientName, o.ContextTimeoutEnabled, o.TLSConfig)
	}
	want := Options{Prefix: "app:", Grace: 30 * time.Second, AllowClearWithoutPrefix: true, InvalidationChannel: "inv", AutoPipeline: true}
	if cfg.Options != want || !cfg.Lazy || cfg.OpenTimeout != 500*time.Millisecond {
		t.Errorf("Options %+v lazy %v open timeout %v", cfg.Options, cfg.Lazy, cfg.OpenTimeout)
	}
	if s := cfg.String(); strings.Contains(s, "s3cret") || !strings.Contains(s, "cache.internal:6380") {
		t.Errorf("String() = %s", s)
	}

	cfg, err = ParseURL("rediss://h")
	if err != nil {
		t.Fatal(err)
	}
	if o := cfg.Standalone; o.Addr != "h:6379" || o.DB != 0 || o.TLSConfig == nil || o.TLSConfig.ServerName != "h" {
		t.Errorf("rediss://h: %+v", o)
	}
	if cfg.Lazy || cfg.OpenTimeout != DefaultOpenTimeout || cfg.Options != (Options{AutoPipeline: true}) {
		t.Errorf("defaults: %+v", cfg)
	}
}

func TestParseURLCluster(t *testing.T) {
	cfg, err := ParseURL("redis+cluster://:pw@h1:7000,h3,h2:7001?addr=h4:7003&prefix={app}:&pool_size=3&read_only=true")
	if err != nil {
		t.Fatal(err)
	}
	o := cfg.Cluster
	if o == nil || cfg.Standalone != nil {
		t.Fatalf("want Cluster options, got %+v", cfg)
	}
	if want := []string{"h1:7000", "h2:7001", "h3:6379", "h4:7003"}; !sameSet(o.Addrs, want) {
		t.Errorf("Addrs = %v, want %v", o.Addrs, want)
	}
	if o.Password != "pw" || o.PoolSize != 3 || !o.ReadOnly || !o.ContextTimeoutEnabled || cfg.Options.Prefix != "{app}:" {
		t.Errorf("options %+v, prefix %q", o, cfg.Options.Prefix)
	}
	cfg, err = ParseURL("rediss+cluster://h1:7000,h2:7001/0?skip_verify=true")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Cluster.TLSConfig == nil || !cfg.Cluster.TLSConfig.InsecureSkipVerify {
		t.Errorf("rediss+cluster TLS %+v", cfg.Cluster.TLSConfig)
	}
	cfg, err = ParseURL("redis+cluster://[::1]:7000?addr=[::1]:7001")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"[::1]:7000", "[::1]:7001"}; !sameSet(cfg.Cluster.Addrs, want) {
		t.Errorf("IPv6 Addrs = %v", cfg.Cluster.Addrs)
	}
	if _, err := ParseURL("redis+cluster://h1:7000,h2:7001/3"); err == nil || !strings.Contains(err.Error(), "database 0") {
		t.Errorf("cluster with db 3: %v", err)
	}
}

func TestParseURLSentinel(t *testing.T) {
	cfg, err := ParseURL("redis+sentinel://u:pw@s2,s1:26379/mymaster/3?sentinel_auth=true&prefix=p:&dial_timeout=1s")
	if err != nil {
		t.Fatal(err)
	}
	o := cfg.Sentinel
	if o == nil || cfg.Standalone != nil {
		t.Fatalf("want Sentinel options, got %+v", cfg)
	}
	if o.MasterName != "mymaster" || o.DB != 3 || !sameSet(o.SentinelAddrs, []string{"s1:26379", "s2:26379"}) {
		t.Errorf("master %q db %d sentinels %v", o.MasterName, o.DB, o.SentinelAddrs)
	}
	if o.Username != "u" || o.Password != "pw" || o.SentinelUsername != "u" || o.SentinelPassword != "pw" {
		t.Errorf("credentials %q/%q sentinel %q/%q", o.Username, o.Password, o.SentinelUsername, o.SentinelPassword)
	}
	if !o.ContextTimeoutEnabled || o.DialTimeout != time.Second || cfg.Options.Prefix != "p:" {
		t.Errorf("%+v", o)
	}
	cfg, err = ParseURL("redis+sentinel://:pw@s1/mymaster")
	if err != nil {
		t.Fatal(err)
	}
	if o := cfg.Sentinel; o.DB != 0 || o.Password != "pw" || o.SentinelPassword != "" || o.SentinelAddrs[0] != "s1:26379" {
		t.Errorf("without sentinel_auth: %+v", o)
	}
	for _, bad := range []string{
		"redis+sentinel://s1:26379",           // no master name
		"redis+sentinel://s1:26379/m/0/extra", // too long a path
		"redis+sentinel://s1:26379/m?master_name=x",
		"redis+sentinel://s1:26379/m/zero", // db is not a number
	} {
		if _, err := ParseURL(bad); err == nil {
			t.Errorf("ParseURL(%q) succeeded", bad)
		}
	}
}

func TestParseURLRejects(t *testing.T) {
	cases := map[string]string{
		"redis://u:s3cret@h:6379/0?grcae=30s":                  "grcae",
		"redis://u:s3cret@h:6379/0?grace=soon":                 "grace",
		"redis://u:s3cret@h:6379/0?grace=-1s":                  "grace",
		"redis://u:s3cret@h:6379/0?lazy=perhaps":               "lazy",
		"redis://u:s3cret@h:6379/0?pool_size=many":             "pool_size",
		"redis://u:s3cret@h:6379/x":                            "database",
		"redis://u:s3cret@h1,h2/0":                             "redis+cluster",
		"redis://u:s3cret@h:6379/0?password=s3cret":            "user info",
		"redis+sentinel://u:s3cret@h/m?sentinel_password=x":    "user info",
		"redis://u:s3cret@h:6379/0?sentinel_auth=true":         "sentinel",
		"redis+cluster://u:s3cret@h1:7000,,h2:7001":            "empty host",
		"redis+cluster://u:s3cret@h1:7000?addr=nope":           "addr",
		"redis+cluster://u:s3cret@h1:7000?skip_verify=perhaps": "skip_verify",
		"memcached://u:s3cret@h:11211":                         "scheme",
		"redis:u:s3cret@h":                                     "//",
	}
	for raw, want := range cases {
		_, err := ParseURL(raw)
		if err == nil {
			t.Errorf("ParseURL(%q) succeeded", raw)
			continue
		}
		if !strings.Contains(err.Error(), want) {
			t.Errorf("ParseURL(%q) = %v; want it to mention %q", raw, err, want)
		}
		if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("ParseURL(%q) leaks the password: %v", raw, err)
		}
	}
	// The unknown-parameter error names Strata's parameters too.
	_, err := ParseURL("redis://h/0?grcae=1s")
	for _, p := range strataParams {
		if err == nil || !strings.Contains(err.Error(), p) {
			t.Errorf("unknown parameter error %v does not list %s", err, p)
		}
	}
}

func TestRegistrySchemes(t *testing.T) {
	for _, s := range schemes {
		if !slices.Contains(registry.Schemes(), s) {
			t.Errorf("scheme %s is not registered", s)
		}
	}
}

func TestOpenAndRegistryOpen(t *testing.T) {
	ctx := ctxT(t)
	u := serverURL(t)
	a, err := OpenURL(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	_ = a.Close()
	ra, err := registry.Open(ctx, withParams(u, "prefix="+redistest.RandomPrefix()))
	if err != nil {
		t.Fatal(err)
	}
	defer ra.Close()
	if _, ok := ra.(*Adapter); !ok {
		t.Fatalf("registry.Open returned %T", ra)
	}
	if err := ra.Set(ctx, "k", []byte("v"), time.Minute); err != nil {
		t.Fatal(err)
	}
}

func TestOpenFailsFastOnAWrongAddress(t *testing.T) {
	ctx := ctxT(t)
	// A port nobody listens on: start a server, note its port, stop it.
	srv := redistest.StartServer(t, nil)
	addr := srv.Addr()
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	raw := "redis://user:s3cret@" + addr + "/0"
	start := time.Now()
	_, err := OpenURL(ctx, raw)
	if err == nil {
		t.Fatal("Open of a dead address succeeded")
	}
	if d := time.Since(start); d > DefaultOpenTimeout+time.Second {
		t.Errorf("Open took %v", d)
	}
	msg := err.Error()
	if !strings.Contains(msg, addr) || strings.Contains(msg, "s3cret") || !strings.Contains(msg, "lazy=true") {
		t.Errorf("error %q: want the address, lazy=true, and no password", msg)
	}
	_, err = registry.Open(ctx, raw)
	if err == nil || !strings.Contains(err.Error(), addr) || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("registry.Open: %v", err)
	}

	// lazy=true skips the check; calls fail later, with the backend's error.
	a, err := OpenURL(ctx, raw+"?lazy=true")
	if err != nil {
		t.Fatalf("lazy Open: %v", err)
	}
	defer a.Close()
	if err := a.Ping(ctx); err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("Ping on a dead server: %v", err)
	}

	// The ping at open is bounded by ctx as well.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := OpenURL(cctx, raw); !errors.Is(err, context.Canceled) {
		t.Errorf("Open with a cancelled ctx: %v", err)
	}
}

func TestWrongPasswordIsNotInTheError(t *testing.T) {
	ctx := ctxT(t)
	srv := redistest.StartServer(t, &redistest.Options{Password: "right-password"})
	for _, raw := range []string{
		"redis://:wr0ng-passw0rd@" + srv.Addr() + "/0",
		"redis://default:wr0ng-passw0rd@" + srv.Addr() + "/0",
	} {
		_, err := OpenURL(ctx, raw)
		if err == nil {
			t.Fatal("Open with a wrong password succeeded")
		}
		if strings.Contains(err.Error(), "wr0ng-passw0rd") {
			t.Errorf("Open error leaks the password: %v", err)
		}
		if !strings.Contains(err.Error(), srv.Addr()) {
			t.Errorf("Open error %q does not name the address", err)
		}
		_, err = registry.Open(ctx, raw)
		if err == nil || strings.Contains(err.Error(), "wr0ng-passw0rd") {
			t.Errorf("registry.Open error: %v", err)
		}
		t.Logf("wrong password: %v", err)
	}
	// And the right one works.
	a, err := OpenURL(ctx, srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	_ = a.Close()
}

func TestOpenedAdapterOwnsItsClient(t *testing.T) {
	ctx := ctxT(t)
	a, err := OpenURL(ctx, serverURL(t))
	if err != nil {
		t.Fatal(err)
	}
	c := a.Client()
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Ping(ctx).Err(); err == nil {
		t.Error("the client of an adapter from Open is still open after Close")
	}
}

func TestCloseLeavesTheCallersClientOpen(t *testing.T) {
	ctx := ctxT(t)
	c := client(t, serverURL(t))
	a, err := New(c, &Options{Prefix: redistest.RandomPrefix()})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Ping(ctx).Err(); err != nil {
		t.Errorf("the caller's client was closed: %v", err)
	}
	if _, err := a.Get(ctx, "k"); !errors.Is(err, adapter.ErrClosed) {
		t.Errorf("Get after Close: %v", err)
	}
	// A caller closing its own client under a live adapter gets ErrClosed too.
	c2 := client(t, serverURL(t))
	b := newTestAdapter(t, c2, Options{})
	_ = c2.Close()
	if _, err := b.Get(ctx, "k"); !errors.Is(err, adapter.ErrClosed) {
		t.Errorf("Get on a closed client: %v", err)
	}
}

func TestNewRejects(t *testing.T) {
	if _, err := New(nil, nil); err == nil {
		t.Error("New(nil) succeeded")
	}
	c := client(t, serverURL(t))
	if _, err := New(c, &Options{Grace: -time.Second}); err == nil {
		t.Error("negative grace accepted")
	}
}

func withParams(raw, params string) string {
	if strings.Contains(raw, "?") {
		return raw + "&" + params
	}
	return raw + "?" + params
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
