package redis

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/stratacache/strata/adapter"
	"github.com/stratacache/strata/registry"
)

// DefaultOpenTimeout bounds the connection check Open makes (URL open_timeout=).
const DefaultOpenTimeout = 3 * time.Second

// Scheme is the main URL scheme this package registers with the registry: "redis".
// It also registers rediss (TLS), and redis+cluster, redis+sentinel and their TLS
// forms rediss+cluster and rediss+sentinel.
const Scheme = "redis"

// schemes are the URL schemes this driver registers with the registry.
var schemes = []string{Scheme, "rediss", "redis+cluster", "rediss+cluster", "redis+sentinel", "rediss+sentinel"}

func init() {
	for _, s := range schemes {
		registry.Register(s, registry.FactoryOf(openURL))
	}
}

// openURL is the factory registry.Open uses for the driver's schemes; the registry
// names the (redacted) URL in its errors.
func openURL(ctx context.Context, u *url.URL) (*Adapter, error) {
	cfg, err := parseURL(u)
	if err != nil {
		return nil, err
	}
	return openConfig(ctx, cfg)
}

// Strata's own URL parameters; every other parameter goes to go-redis's parser.
const (
	paramPrefix       = "prefix"
	paramGrace        = "grace"
	paramLazy         = "lazy"
	paramOpenTimeout  = "open_timeout"
	paramClearAll     = "allow_clear_without_prefix"
	paramChannel      = "invalidation_channel"
	paramSentinelAuth = "sentinel_auth"
	paramSkipVerify   = "skip_verify"
	paramAutoPipeline = "autopipeline"
	paramBreakerMax   = "breaker_threshold"
	paramBreakerProbe = "breaker_probe"
)

var strataParams = append([]string{paramPrefix, paramGrace, paramLazy, paramOpenTimeout, paramClearAll, paramChannel,
	paramSentinelAuth, paramAutoPipeline, paramBreakerMax, paramBreakerProbe}, tlsParamNames...)

// credentialParams would put secrets in the query string, where url.Redacted does not
// hide them: Strata refuses them.
var credentialParams = []string{"password", "username", "sentinel_password", "sentinel_username"}

// Config is a parsed Strata Redis URL: the go-redis options of exactly one
// topology (the others are nil), the adapter's Options, and how to open it. The URL's
// tls_* parameters are already applied to TLSConfig (their files read); adjust it
// further (e.g. TLSConfig.GetClientCertificate) before Open.
type Config struct {
	Standalone *goredis.Options         // redis://, rediss://
	Cluster    *goredis.ClusterOptions  // redis+cluster://, rediss+cluster://
	Sentinel   *goredis.FailoverOptions // redis+sentinel://, rediss+sentinel://

	// Options configures the adapter (URL prefix=, grace=, allow_clear_without_prefix=,
	// invalidation_channel=, autopipeline=, breaker_threshold=, breaker_probe=;
	// ParseURL sets AutoPipeline unless the URL has autopipeline=false).
	Options Options
	// Lazy skips the connection check when opening (URL lazy=true).
	Lazy bool
	// OpenTimeout bounds the connection check (URL open_timeout=; default 3s).
	OpenTimeout time.Duration

	redacted string // the URL with its password hidden, for error messages
}

// String describes the configuration without its password.
func (c *Config) String() string {
	if c.redacted != "" {
		return c.redacted
	}
	switch {
	case c.Standalone != nil:
		return "redis at " + c.Standalone.Addr
	case c.Cluster != nil:
		return "redis cluster at " + strings.Join(c.Cluster.Addrs, ",")
	case c.Sentinel != nil:
		return fmt.Sprintf("redis master %q via sentinels %s", c.Sentinel.MasterName, strings.Join(c.Sentinel.SentinelAddrs, ","))
	}
	return "redis (no address)"
}

// NewClient creates the go-redis client the configuration describes. The caller
// owns it.
func (c *Config) NewClient() (goredis.UniversalClient, error) {
	switch {
	case c.Standalone != nil:
		return goredis.NewClient(c.Standalone), nil
	case c.Cluster != nil:
		return goredis.NewClusterClient(c.Cluster), nil
	case c.Sentinel != nil:
		if c.Sentinel.RouteByLatency || c.Sentinel.RouteRandomly {
			return goredis.NewFailoverClusterClient(c.Sentinel), nil
		}
		return goredis.NewFailoverClient(c.Sentinel), nil
	}
	return nil, errors.New("strata/redis: Config has no Standalone, Cluster or Sentinel options")
}

// OpenURL parses rawURL (see the package doc for the forms and parameters), creates
// the client, checks the connection (unless lazy=true) and returns an adapter that
// owns the client: Close closes it. Errors never contain the password.
func OpenURL(ctx context.Context, rawURL string) (*Adapter, error) {
	return registry.OpenURL(ctx, rawURL, openURL)
}

// Open creates cfg's client, checks the connection within cfg.OpenTimeout
// (bounded also by ctx) unless cfg.Lazy, and returns an adapter that owns the
// client. Unless cfg.Options.InvalidationChannel is set, the invalidation channel is
// DefaultChannelPrefix + cfg.Options.Prefix + the namespace ctx carries
// (registry.NamespaceFrom: strata.Open puts the cache's Options.Prefix there).
func Open(ctx context.Context, cfg *Config) (*Adapter, error) {
	a, err := openConfig(ctx, cfg)
	if err != nil {
		// cfg's String is already redacted: scrub only the words of the error below.
		return nil, fmt.Errorf("strata/redis: open %s: %w", cfg, cfg.scrub(err))
	}
	return a, nil
}

// scrub hides the configuration's passwords in err's text.
func (c *Config) scrub(err error) error {
	var secrets []string
	switch {
	case c.Standalone != nil:
		secrets = append(secrets, c.Standalone.Password)
	case c.Cluster != nil:
		secrets = append(secrets, c.Cluster.Password)
	case c.Sentinel != nil:
		secrets = append(secrets, c.Sentinel.Password, c.Sentinel.SentinelPassword)
	}
	return registry.Scrub(err, secrets...)
}

func openConfig(ctx context.Context, cfg *Config) (*Adapter, error) {
	if err := adapter.CheckContext(ctx); err != nil {
		return nil, err
	}
	client, err := cfg.NewClient()
	if err != nil {
		return nil, err
	}
	opts := cfg.Options
	if opts.InvalidationChannel == "" {
		// The cache's namespace scopes the channel: caches with different prefixes
		// on one server must not hear each other's invalidations.
		opts.InvalidationChannel = DefaultChannelPrefix + opts.Prefix + registry.NamespaceFrom(ctx)
	}
	a, err := newAdapter(client, &opts, true)
	if err != nil {
		_ = client.Close()
		return nil, err
	}
	if cfg.Lazy {
		return a, nil
	}
	timeout := cfg.OpenTimeout
	if timeout <= 0 {
		timeout = DefaultOpenTimeout
	}
	pctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := a.Ping(pctx); err != nil {
		_ = a.Close()
		if ctx.Err() == nil && pctx.Err() != nil {
			return nil, fmt.Errorf("no answer within %v (open_timeout=): %w (lazy=true skips this check)", timeout, err)
		}
		return nil, fmt.Errorf("connection check failed: %w (lazy=true skips this check)", err)
	}
	return a, nil
}

// ParseURL parses a Strata Redis URL into go-redis options and adapter Options
// without connecting. Errors never contain the password.
func ParseURL(rawURL string) (*Config, error) {
	u, err := registry.ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	cfg, err := parseURL(u)
	if err != nil {
		return nil, fmt.Errorf("strata/redis: %s: %w", describeURL(u), err)
	}
	return cfg, nil
}

// describeURL names u in an error without anything that may hold a secret: no
// password, no query (a password= parameter is refused, but must not be echoed),
// and for an opaque URL such as "redis:user:pass@host" only the scheme.
func describeURL(u *url.URL) string {
	if u.Opaque != "" {
		return u.Scheme + ":..."
	}
	c := *u
	c.RawQuery, c.ForceQuery, c.Fragment, c.RawFragment = "", false, "", ""
	return c.Redacted()
}

func parseURL(u *url.URL) (*Config, error) {
	cfg, err := parse(u)
	if err != nil {
		return nil, scrubPassword(err, u)
	}
	cfg.redacted = describeURL(u)
	return cfg, nil
}

func parse(u *url.URL) (*Config, error) {
	base, kind, _ := strings.Cut(strings.ToLower(u.Scheme), "+")
	if (base != "redis" && base != "rediss") || (kind != "" && kind != "cluster" && kind != "sentinel") {
		return nil, fmt.Errorf("unknown scheme %q: want one of %s", u.Scheme, strings.Join(schemes, ", "))
	}
	if u.Opaque != "" {
		return nil, fmt.Errorf(`the URL needs "//" after the scheme, e.g. %s://host:6379/0`, u.Scheme)
	}

	// Strata's parameters go through registry.Params, the rest to go-redis.
	own, rest := url.Values{}, url.Values{}
	for k, v := range u.Query() {
		switch {
		case slices.Contains(strataParams, k):
			own[k] = v
		case slices.Contains(credentialParams, k):
			return nil, fmt.Errorf("URL parameter %s is not accepted: put credentials in the URL's user info "+
				"(%s://user:password@host), where they are kept out of errors and logs", k, u.Scheme)
		default:
			rest[k] = v
		}
	}
	p := registry.NewParams(&url.URL{RawQuery: own.Encode()})
	cfg := &Config{}
	cfg.Options.Prefix = p.String(paramPrefix, "")
	cfg.Options.Grace = p.Duration(paramGrace, 0)
	cfg.Options.AllowClearWithoutPrefix = p.Bool(paramClearAll, false)
	cfg.Options.InvalidationChannel = p.String(paramChannel, "")
	cfg.Options.AutoPipeline = p.Bool(paramAutoPipeline, true)
	breakerMax := p.String(paramBreakerMax, "")
	cfg.Options.Breaker.ProbeInterval = p.Duration(paramBreakerProbe, 0)
	cfg.Lazy = p.Bool(paramLazy, false)
	cfg.OpenTimeout = p.Duration(paramOpenTimeout, DefaultOpenTimeout)
	sentinelAuth := p.Bool(paramSentinelAuth, false)
	tlsp, err := readTLSParams(p, own, u.Scheme, base == "rediss")
	if err != nil {
		return nil, err
	}
	if err := p.Done(); err != nil {
		return nil, err
	}
	if cfg.Options.Breaker.Threshold, err = parseThreshold(breakerMax); err != nil {
		return nil, err
	}
	if cfg.OpenTimeout == 0 {
		cfg.OpenTimeout = DefaultOpenTimeout
	}
	if kind != "sentinel" && own.Has(paramSentinelAuth) {
		return nil, fmt.Errorf("URL parameter %s applies only to redis+sentinel:// URLs", paramSentinelAuth)
	}

	defPort := "6379"
	if kind == "sentinel" {
		defPort = "26379"
	}
	hosts, err := splitHosts(u.Host, defPort)
	if err != nil {
		return nil, err
	}

	var perr error
	switch kind {
	case "":
		if len(hosts) > 1 {
			return nil, fmt.Errorf("%s:// takes one host; for several use %s+cluster:// or %s+sentinel://", u.Scheme, base, base)
		}
		g := url.URL{Scheme: base, User: u.User, Host: hosts[0], Path: u.Path, RawQuery: rest.Encode()}
		cfg.Standalone, perr = goredis.ParseURL(g.String())
		if perr == nil {
			cfg.Standalone.ContextTimeoutEnabled = true
		}
	case "cluster":
		if p := strings.Trim(u.Path, "/"); p != "" && p != "0" {
			return nil, fmt.Errorf("a Redis Cluster has only database 0, but the URL's path is %q", u.Path)
		}
		skip, hasSkip, err := popBool(rest, paramSkipVerify) // go-redis's cluster parser lacks it
		if err != nil {
			return nil, err
		}
		for _, h := range hosts[1:] {
			rest.Add("addr", h)
		}
		g := url.URL{Scheme: base, User: u.User, Host: hosts[0], RawQuery: rest.Encode()}
		cfg.Cluster, perr = goredis.ParseClusterURL(g.String())
		if perr == nil {
			cfg.Cluster.ContextTimeoutEnabled = true
			if hasSkip && cfg.Cluster.TLSConfig != nil {
				cfg.Cluster.TLSConfig.InsecureSkipVerify = skip
			}
		}
	case "sentinel":
		if rest.Has("master_name") {
			return nil, fmt.Errorf("give the master name as the URL's path (%s://host:26379/mymaster/0), not as master_name=", u.Scheme)
		}
		segs := strings.FieldsFunc(u.Path, func(r rune) bool { return r == '/' })
		if len(segs) == 0 || len(segs) > 2 {
			return nil, fmt.Errorf("%s:// needs the master name and optionally the database as its path, "+
				"e.g. %s://host:26379/mymaster/0; the path is %q", u.Scheme, u.Scheme, u.Path)
		}
		rest.Set("master_name", segs[0])
		path := ""
		if len(segs) == 2 {
			path = "/" + segs[1]
		}
		for _, h := range hosts[1:] {
			rest.Add("addr", h)
		}
		g := url.URL{Scheme: base, Host: hosts[0], Path: path, RawQuery: rest.Encode()}
		cfg.Sentinel, perr = goredis.ParseFailoverURL(g.String())
		if perr == nil {
			o := cfg.Sentinel
			o.ContextTimeoutEnabled = true
			if u.User != nil {
				o.Username = u.User.Username()
				o.Password, _ = u.User.Password()
				if sentinelAuth {
					o.SentinelUsername, o.SentinelPassword = o.Username, o.Password
				}
			}
		}
	}
	if perr != nil {
		if strings.Contains(perr.Error(), "unexpected option") {
			return nil, fmt.Errorf("unknown URL parameter: %w (Strata's own parameters are %s; the others go to go-redis, "+
				"e.g. pool_size, dial_timeout, read_timeout, write_timeout, max_retries, client_name, protocol)",
				perr, strings.Join(strataParams, ", "))
		}
		return nil, perr
	}
	if err := tlsp.apply(cfg.tlsConfig(), kind != ""); err != nil {
		return nil, err // after go-redis's parse: skip_verify is known then
	}
	return cfg, nil
}

// splitHosts splits a comma-separated host list, adding defPort where a host has
// no port.
func splitHosts(hostList, defPort string) ([]string, error) {
	if hostList == "" {
		return []string{net.JoinHostPort("localhost", defPort)}, nil
	}
	parts := strings.Split(hostList, ",")
	for i, h := range parts {
		if h == "" {
			return nil, fmt.Errorf("empty host in host list %q", hostList)
		}
		if _, _, err := net.SplitHostPort(h); err == nil {
			continue
		}
		if strings.HasPrefix(h, "[") && strings.HasSuffix(h, "]") {
			parts[i] = h + ":" + defPort
		} else if strings.Contains(h, ":") && !strings.Contains(h, "]") {
			return nil, fmt.Errorf("cannot read host %q: write IPv6 addresses in brackets, e.g. [::1]:%s", h, defPort)
		} else {
			parts[i] = net.JoinHostPort(h, defPort)
		}
		if _, _, err := net.SplitHostPort(parts[i]); err != nil {
			return nil, fmt.Errorf("cannot read host %q", h)
		}
	}
	return parts, nil
}

// parseThreshold reads breaker_threshold=: a count (0 or absent: the default), or
// "off" or a negative count (no breaker), as Options.Breaker.Threshold reads it.
func parseThreshold(v string) (int, error) {
	if v == "" {
		return 0, nil
	}
	if v == "off" {
		return -1, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("URL parameter %s=%q: want a number of failures in a row (0: the default, %d) or off",
			paramBreakerMax, v, DefaultBreakerThreshold)
	}
	return max(n, -1), nil
}

// popBool removes a boolean parameter from q and parses it.
func popBool(q url.Values, name string) (value, present bool, err error) {
	if !q.Has(name) {
		return false, false, nil
	}
	v := q.Get(name)
	q.Del(name)
	switch v {
	case "true", "1":
		return true, true, nil
	case "false", "0", "":
		return false, true, nil
	}
	return false, true, fmt.Errorf("URL parameter %s=%q: want true or false", name, v)
}

// scrubPassword hides u's password in err's text (a second line of defence: the
// parsers above never print it).
func scrubPassword(err error, u *url.URL) error { return registry.Scrub(err, registry.Secrets(u)...) }
