// Package redis is Strata's Redis driver, built on a go-redis v9 UniversalClient:
// a standalone server, a Sentinel-managed master, or a Redis Cluster.
//
// Wrap a client you own with [New]; the adapter never closes it:
//
//	rdb := goredis.NewClient(&goredis.Options{Addr: "cache:6379", ContextTimeoutEnabled: true})
//	a, err := redis.New(rdb, &redis.Options{Prefix: "app:"})
//	users := strata.New(a, &strata.Options[User]{Prefix: "users:"})
//
// Set ContextTimeoutEnabled on such a client: go-redis then bounds each network wait
// by the ctx's deadline, and without it only by ReadTimeout/WriteTimeout. (go-redis
// never watches for cancellation: a ctx cancelled mid-call ends the call at its
// deadline or at ReadTimeout. A ctx that has already ended is refused before any I/O.)
//
// Or open one from a URL with [OpenURL] (or registry.Open, after importing this package
// or drivers/all). The adapter then owns its client (Close closes it), the client has
// ContextTimeoutEnabled, [Options.AutoPipeline] is on, and OpenURL pings the server
// within open_timeout (bounded also by ctx) so that a wrong address or password fails at
// start-up, naming the address but never the password. [ParseURL] and [Open]
// split those steps, so that the go-redis options can be adjusted in between.
// [ProviderSet] (from a [URL]) and [ClientProviderSet] (wrapping a client the
// injector provides) are the Wire provider sets; their cleanups close the adapter.
//
// # URLs
//
//	redis://[user:password@]host[:6379][/db][?param=value&...]
//	rediss://...                                   the same, over TLS
//	redis+cluster://[user:password@]host1:7000,host2:7001[?...]
//	rediss+cluster://...                           Cluster over TLS
//	redis+sentinel://[user:password@]host1:26379[,host2:26379]/master[/db][?...]
//	rediss+sentinel://...                          Sentinel and master over TLS
//
// Ports default to 6379 (26379 for sentinels), but in a list of hosts give each its
// port (Go's URL parser reads what follows the last colon as the port). More hosts
// can also be given with addr=host:port, which is the way to list several IPv6
// hosts: redis+cluster://[::1]:7000?addr=[::1]:7001. Credentials are only accepted
// in the user info, never as query parameters. For Sentinel, the user info
// authenticates to the master and its replicas.
//
// Strata's parameters:
//
//	prefix=app:                       Options.Prefix: namespace of every key
//	grace=30s                         Options.Grace: revival window (default 0)
//	lazy=true                         do not ping at open
//	open_timeout=3s                   bound of the ping at open (DefaultOpenTimeout)
//	allow_clear_without_prefix=true   Options.AllowClearWithoutPrefix
//	invalidation_channel=name         Options.InvalidationChannel
//	autopipeline=false                Options.AutoPipeline (default true with URLs)
//	breaker_threshold=3               Options.Breaker.Threshold: connection failures in a row that open
//	                                  the circuit breaker (0: DefaultBreakerThreshold; off: no breaker)
//	breaker_probe=250ms               Options.Breaker.ProbeInterval: wait between the probes of an open
//	                                  breaker (default DefaultBreakerProbeInterval)
//	sentinel_auth=true                redis+sentinel only: send the user info to the sentinels too
//
// With the rediss schemes only (on redis:// they are an error), TLS settings
// go-redis's parsers lack. Their files are read when the URL is parsed (OpenURL,
// ParseURL, registry.Open), and an unreadable file is an error naming it:
//
//	tls_ca_file=/path/ca.pem          trust the CA certificates in this PEM file instead of the system's
//	tls_cert_file=/path/client.pem    client certificate for mutual TLS (PEM), with tls_key_file
//	tls_key_file=/path/client.key     its private key (PEM): give both or neither
//	tls_server_name=name              the name every server's certificate must carry
//	skip_verify=true                  turn verification off; not with tls_ca_file or tls_server_name
//
// Without tls_server_name, rediss:// verifies the URL's host; rediss+cluster and
// rediss+sentinel verify each node, sentinel and master against the address it is
// dialled at (as the cluster or the sentinels announce it), so nodes announced by IP
// address need that IP address in their certificates. tls_server_name verifies them
// all against one name instead (e.g. for a shared or wildcard certificate without IP
// addresses). Programs needing more (reloaded certificates, a CRL) adjust
// [Config]'s TLSConfig after [ParseURL], or build their own client.
//
// Every other parameter is handed to go-redis's own URL parser (ParseURL,
// ParseClusterURL, ParseFailoverURL), which accepts, among others, pool_size,
// min_idle_conns, max_idle_conns, max_active_conns, pool_timeout, dial_timeout,
// read_timeout, write_timeout (durations; a bare number means seconds), max_retries,
// client_name and protocol. An unknown parameter is an error.
//
// # Errors
//
// A missing or expired key is an error wrapping adapter.ErrNotFound that names the
// key; redis.Nil never escapes. A server that cannot be reached or does not answer
// (refused, reset, timed out, LOADING, CLUSTERDOWN, ...) is an error wrapping
// adapter.ErrUnavailable; a reply about the request (WRONGTYPE, NOPERM, a value too
// large) is that request's answer and is not. After Close, calls return
// adapter.ErrClosed.
//
//   - [ErrTooLarge]: a value longer than the server's proto-max-bulk-len (see
//     Guarantees); the error names the key.
//   - [ErrClearWithoutPrefix]: Clear of everything (an empty prefix argument) on an
//     adapter without a prefix, unless Options.AllowClearWithoutPrefix is set.
//   - adapter.ErrCodec: with Grace > 0, a stored value without the grace header
//     (written by another program, or by an adapter without grace); it names the key.
//
// A call past the adapter's own bound (see Guarantees) fails with
// adapter.ErrUnavailable naming it, never with context.DeadlineExceeded, which the
// caller did not ask for.
//
// Circuit breaker. After [Options.Breaker].Threshold calls in a row (3 by default)
// failed with adapter.ErrUnavailable, the breaker opens and every call fails at once,
// without sending anything, with a [*BreakerOpenError] that wraps
// adapter.ErrUnavailable and the last failure and says since when it is open. A
// background probe PINGs the server every ProbeInterval (250ms by default) and closes
// the breaker as soon as it answers; no caller waits for a probe, and the probe's
// goroutine runs only while the breaker is open (Close stops it). Misses, replies
// about the request (WRONGTYPE, NOPERM, MOVED, a value too large) and the caller's
// own ctx ending never count as failures; a call with a deadline shorter than
// go-redis's wait for a dead server counts once go-redis reports the refused
// connection to it. Options.Logger gets a warning when the breaker opens and an
// info line when it closes. The breaker belongs to the adapter: on a Cluster or
// Ring, failures on one node count for all, and the breaker closes when any node
// answers. [Adapter.BreakerOpen] reports its state; breaker_threshold=off turns it
// off. Through a layered cache with serve_stale=true, reads are then answered from
// L1 without waiting for the network.
//
// # Guarantees
//
// One round trip per call. Get is GET; Set is SET PX (SET without expiry for
// adapter.NoExpiration); Remove is one UNLINK of the distinct keys, whose count says
// whether all existed; UpdateTimeout is GETEX PX or GETEX PERSIST; GetWithTTL
// pipelines GET and PTTL; GetMany is MGET; SetMany is a pipeline of SET PX (not a
// transaction). Clear(ctx, p) is SCAN MATCH <Options.Prefix+p>* (glob characters
// escaped) with UNLINK, page by page, never FLUSHDB or FLUSHALL. With Options.AutoPipeline, single-key calls that overlap with other
// calls share pipelines; a call that finds at most two calls per CPU in flight
// (itself included) is sent directly, as go-redis would.
//
// TTLs. TTLs travel in whole milliseconds (sub-millisecond TTLs round up to 1ms) and
// never overflow: the longest time.Duration (about 292 years), plus grace, is far
// inside Redis' range, and a TTL beyond that range would be stored without expiry,
// as on every driver.
//
// Bounded calls. A call whose ctx has no deadline ends within WriteTimeout +
// ReadTimeout of the client (read_timeout= and write_timeout= in URLs) on every path
// alike: a single command is bounded by go-redis's own timeouts, and the pipelines
// (GetWithTTL, GetMany, SetMany, Remove, Cluster batches, the grace scripts and
// auto-pipelined batches, from when the batch is sent) get that deadline from the
// adapter, since go-redis's retries would multiply their wait. A ctx with a deadline
// is used as given, and a client whose read or write timeout is off (-1) gets no
// bound. On a client without ContextTimeoutEnabled, a network wait already under way
// still ends only at its own timeout. A queued auto-pipelined command whose caller's
// ctx has ended is never sent.
//
// Oversized values. A value longer than the server's proto-max-bulk-len (512MB by
// default, 1MB at least) fails with [ErrTooLarge] and disturbs no other call (Redis
// drops the connection of a client that sends one, failing everything pipelined with
// it). Values over 1MiB are checked against the limit, which the adapter learns with
// CONFIG GET proto-max-bulk-len, and are sent on a connection of their own, never in
// a shared batch; where CONFIG is not allowed, the limit shows when the server
// refuses the value. See [Adapter.SetMany] for what a batch stores then.
//
// Interoperability. With Grace 0 (the default) values are stored exactly as the
// codec produced them, with native Redis TTLs: what a Cache[string] with
// serializer.Raw writes is a plain Redis string that redis-cli GET prints, and a
// string another client SETs is readable. With Options.Grace > 0 a key expires
// logically after its TTL but stays in Redis ttl+grace, so UpdateTimeout can revive
// it within grace; the logical expiry travels in a 9-byte header before the value,
// which Get, GetMany and GetWithTTL compare with the local clock (Options.Clock in
// tests; keep the clocks of processes sharing keys in sync), and which UpdateTimeout and Remove rewrite
// atomically in Lua scripts. Every adapter sharing keys must use the same grace
// setting. The header's layout is in docs/redis.md; docs/interop.md has the table of
// which codec and grace settings other programs (Python, redis-cli) can share.
//
// Invalidation. The adapter is an adapter.Invalidator for layered caches: Publish
// sends the changed keys on a pub/sub channel (see Namespaces; a Redis 7 ACL user
// needs that channel)
// and Subscribe delivers other processes' messages, skipping its own Adapter's
// ([Adapter.SubscribeAll] delivers every message with the publisher's
// [Adapter.InstanceID]). Messages published while the subscription is down are
// lost, so onReset is called when the connection fails and again when it is back,
// and subscribers drop everything they hold. An idle subscription PINGs every 30s to
// notice silent network failures. Writes by programs that do not Publish go unseen.
//
// # Namespaces
//
// Two prefixes compose: the adapter's (URL prefix=, Options.Prefix), which belongs to
// the deployment, and the strata.Cache's (strata.Options.Prefix), which the Cache
// adds to its keys before the adapter sees them. For a cache opened with
// strata.Open(ctx, "redis://cache:6379/0?prefix=app:", &strata.Options[V]{Prefix: "shop:"}):
//
//	key stored          app:shop:<key>                     (URL prefix + Options.Prefix + key)
//	Cache.Clear         removes app:shop:*                 (URL prefix + Options.Prefix)
//	invalidation        strata:invalidate:app:shop:        ([DefaultChannelPrefix] + URL prefix + Options.Prefix)
//
// So two applications with different cache prefixes on one server neither clear nor
// invalidate each other's keys, while every process of one application (same URL,
// same cache prefix) shares its channel. strata.Open hands the cache's prefix to the
// driver through the context (registry.NamespaceFrom); invalidation_channel= (or
// Options.InvalidationChannel) still names the channel outright. An adapter made
// with [New] knows no cache prefix: its default channel is [DefaultChannelPrefix] +
// Options.Prefix.
//
// # Cluster
//
// On a Cluster, GetMany and Remove group keys by hash slot ([Slot]) and send one MGET
// or UNLINK per slot, all in one pipeline that go-redis splits by node and sends in
// parallel; a key alone on its slot (the usual case) is read with a plain GET.
// Either way, a key holding another type than a string is a miss for GetMany, as
// MGET reports it. Clear scans every master. Keys spread over the cluster by
// default. To keep related keys together, give them a hashtag: a prefix such as
// "{app}:" puts all of the adapter's keys in one slot (batches become single
// commands, but one node holds and serves them all); a per-entity tag such as
// "user:{42}:profile" keeps one entity's keys together.
//
// # Testing
//
// docs/testing.md shows how an application tests code that uses this driver: on
// real throwaway servers (drivers/redis/redistest, or the server in
// STRATA_TEST_REDIS_URL), or on miniredis in process, sharing a fake clock with the
// adapter through Options.Clock so that keys expire exactly when the test advances
// it (see the Options.Clock example).
//
// # Logging
//
// The adapter writes nothing to stderr. Its events go to [Options.Logger] (nil
// discards them), with the client's passwords removed. go-redis has one logger for
// the whole process, which prints to stderr (a line per failed dial during an
// outage); the first [New], [Open] or [OpenURL] replaces it with one that passes go-redis's
// lines, at debug level, to the Logger of the most recent adapter that has one, and
// otherwise drops them. An application that wants go-redis's lines elsewhere calls
// goredis.SetLogger after its first Open, OpenURL or New.
package redis
