// Package layered is Strata's two-level cache: an in-process L1 (drivers/memory)
// over a shared L2 (usually drivers/redis), with every process's L1 dropping a key
// promptly when any process writes or removes it.
//
//	l1, _ := memory.Open(ctx, &memory.Options{MaxCost: 64 << 20})
//	l2, _ := redis.OpenURL(ctx, "redis://cache:6379/0?prefix=app:")
//	a, err := layered.New(l1, l2, &layered.Options{L1TTL: 30 * time.Second})
//	users := strata.New[User](a, nil) // Close closes a, l1 and l2
//
// Or open one from a URL with [OpenURL] (or registry.Open), or from a [Config]
// (what [ParseURL] reads from a URL) with [Open]. The adapter owns both
// layers: Close closes them, and nothing else may write to them. Give each layered
// adapter its own L2 instance (an Invalidator does not deliver an instance's own
// publications back to it). [ProviderSet] provides a *Adapter from a [URL].
//
// # URLs
//
// Importing the package registers the "layered" scheme with the registry (and the
// "memory" scheme, its default L1). Both layers are opened with registry.Open, so any
// registered driver can be a layer; their URLs must be query-escaped:
//
//	layered://?l1=memory%3A%2F%2F%3Fmax_cost%3D64MiB&l2=redis%3A%2F%2Fcache%3A6379%2F0&l1_ttl=30s
//
//	l2           the shared layer's URL, escaped (url.QueryEscape). Required.
//	l1           the in-process layer's URL, escaped. Default memory://.
//	l1_ttl       Options.L1TTL: a duration such as 30s. Default 1m.
//	serve_stale  Options.ServeStaleOnL2Error: true or false. Default false.
//	liveness     Options.Liveness: a duration. Default l1_ttl/4, at most 2s, at least 100ms.
//	invalidation false sets Options.NoInvalidation (no pub/sub). Default true.
//
// A layered URL has no user, host or path, and unknown parameters are errors. If L2
// cannot be opened, the L1 already opened is closed. Errors never contain the
// password of either child URL.
//
// # Errors
//
// Reads and writes return L2's errors as L2 reports them: a miss wraps
// adapter.ErrNotFound, an outage wraps adapter.ErrUnavailable (for what serve_stale
// changes, see "When L2 fails"). After Close, calls return adapter.ErrClosed.
//
//   - [ErrNotAnnounced]: the write succeeded in L2 (and this process's L1) but its
//     invalidation could not be published; the error also wraps the cause. The
//     adapter keeps trying to announce it: do not retry the write for it.
//   - New fails when L2 refuses the subscription or the probe publication (a
//     Redis 7 user has no channel unless an ACL rule grants one); the error names
//     the rule to add (&<channel> or allchannels). invalidation=false
//     ([Options.NoInvalidation]) runs without pub/sub instead.
//
// # Guarantees
//
// Reads. While L1 is served, an L1 hit is returned without asking L2. A miss reads
// L2 and back-fills L1 for the shorter of the value's remaining TTL in L2 and L1TTL,
// so L1 never keeps a value longer than L2 does. The remaining TTL is read, never
// guessed, with adapter.TTLReader (drivers/memory and drivers/redis implement it);
// an L2 without TTLReader is never back-filled from reads, and L1 then holds only
// what this process wrote. GetMany takes the keys L1 holds from L1 and the rest from
// L2 in one batch, and back-fills only if L2 implements [ManyTTLReader] (neither
// built-in driver does). GetWithTTL always asks L2, which knows the TTL.
//
// Writes. Set, SetMany, Remove and UpdateTimeout go to L2 first, then to L1, then are
// published to other processes. If L2 returns an error, the write returns it and the
// keys are dropped from this process's L1, so L1 is never newer than L2; since a
// write that failed (a timeout, say) may still have been applied, its invalidation
// is then published in the background, best effort. UpdateTimeout always goes to
// L2, which holds the grace window, and refreshes L1 with the value L2 returns.
// Clear(ctx, prefix) removes L2's keys that start with prefix and drops them from
// L1, and makes every other layered adapter on the same channel drop them from its
// L1 too (a clear of a prefix reaches a process of an older version as a clear of its
// whole L1, never as nothing).
//
// Coherence. When L2 implements adapter.Invalidator (drivers/redis, over pub/sub),
// every write is published after it reached L2, and each other process drops the
// published keys from its L1 as the message arrives; a process's own writes are not
// echoed back to it. A write returns once the publication is accepted, and the drop
// elsewhere follows one pub/sub hop later; until then another process may still read
// the old value from its L1: coherence is prompt, not linearizable. A back-fill that
// races with an invalidation of the same key never stores the old value after the
// drop: once an invalidation has been delivered, L1 never returns the value it
// invalidated.
//
// Namespaces. The invalidation channel is L2's: over drivers/redis,
// "strata:invalidate:" + the Redis URL's prefix= + the prefix of the strata.Cache
// being opened, since strata.Open hands the cache's Options.Prefix to the layers it
// opens (registry.NamespaceFrom) and this adapter opens L2 with the same context. So
// layered caches with different prefixes on one Redis hear only their own
// invalidations and clears, while processes opening the same URL with the same prefix
// share a channel. Keys compose the same way (URL prefix + cache prefix + key), and
// strata.Cache.Clear clears URL prefix + cache prefix, here and in every process's
// L1. A layered adapter shared by caches with several prefixes (through strata.New)
// still works: the channel is then that of the URL alone. Earlier Strata versions
// named the channel after the URL prefix alone: while processes of both
// versions run side by side, give L2's URL invalidation_channel=strata:invalidate:<URL
// prefix> so that they keep hearing each other, and drop it once all are upgraded.
//
// Resets. When the subscription may have missed messages (its connection was lost or
// the server restarted), L1 is emptied and reads bypass it until the subscription is
// confirmed again: over drivers/redis by a probe of the adapter's own that comes back
// through the subscription, otherwise by a successful Ping of L2. L1 is then emptied
// once more and served again. So once the reset has been delivered, this process
// never returns from L1 a value that L2 no longer has (for instance after a restart
// of Redis without persistence). A connection that goes silent without closing (a
// partition, a stalled proxy) stops L1 from being served after about
// Options.Liveness, not L1TTL: over drivers/redis the subscription pings when it has
// heard nothing for half of Liveness and resets if the answer does not come within
// the other half.
//
// Staleness bounds. Without an Invalidator on L2 (or with invalidation=false),
// nothing tells a process that another one changed a key: L1TTL alone bounds how
// stale its L1 can be. Use a short L1TTL, or an L2 that is an Invalidator, when
// several processes share L2. Writes made to L2 by programs that do not publish are
// not seen either; L1TTL bounds their staleness too.
//
// Goroutines. A background goroutine per adapter probes L2, re-subscribes if the
// first subscription failed and re-publishes invalidations that could not be
// published; Close stops it and the subscription and waits for both, so no goroutine
// outlives Close.
//
// # When L2 fails
//
// L2 is known to be failing from the moment the subscription resets or an L2 call
// returns an outage (an error wrapping adapter.ErrUnavailable: drivers/redis wraps
// refused, reset and timed-out connections and a server loading or without master),
// until the confirmation above (for an L2 without Invalidator: a successful Ping).
// Meanwhile [Adapter.Healthy] reports false and every read bypasses L1 and goes to L2:
//
//   - by default, L2's error is returned; L1 is never served while L2 is failing;
//   - with Options.ServeStaleOnL2Error (serve_stale=true), L1 keeps its entries on
//     reset and, when L2 returns an outage (or the caller's deadline passes), a
//     read returns L1's copy if it has one (GetMany: if it has every key L2 was
//     asked for), and L2's error otherwise. Those copies may be stale:
//     invalidations may have been missed. Reads that L2 answers are returned as
//     usual, and a miss in L2 drops the key's copy.
//
// Any other error is the answer to that one request (a miss, an invalid key or TTL,
// an undecodable value, WRONGTYPE, NOPERM, the caller's own context ending): it is
// returned as it is (by GetMany too, when L2's batch reports it), never answered
// from L1, and L1 stays served for every other key. Writes always return L2's error.
// When L2 is back and confirmed, L1 is emptied and served again.
package layered
