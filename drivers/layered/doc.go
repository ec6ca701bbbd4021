// Package layered is Strata's two-level cache: an in-process L1 (drivers/memory)
// over a shared L2 (usually drivers/redis), with every process's L1 dropping a key
// within milliseconds when any process writes or removes it.
//
//	l1, _ := memory.New(&memory.Options{MaxCost: 64 << 20})
//	l2, _ := redis.Open(ctx, "redis://cache:6379/0?prefix=app:")
//	a, err := layered.New(l1, l2, &layered.Options{L1TTL: 30 * time.Second})
//	users := strata.New[User](a, nil) // Close closes a, l1 and l2
//
// The adapter owns both layers: Close closes them, and nothing else may write to
// them. Give each layered adapter its own L2 instance (an Invalidator does not
// deliver an instance's own publications back to it).
//
// # URL
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
// # Reads
//
// While L1 is served (see "When L2 fails" below), an L1 hit is returned at memory
// speed, without asking L2. A miss reads L2 and back-fills L1 for the shorter of
// the value's remaining TTL in L2 and L1TTL, so L1 never keeps a value longer than
// L2 does. The remaining TTL is read, never guessed: with adapter.TTLReader
// (drivers/memory and drivers/redis implement it; GET and PTTL in one round trip on
// Redis). An L2 without TTLReader is never back-filled from reads; L1 then holds
// only what this process wrote. GetMany takes the keys L1 holds from L1 and the rest
// from L2 in one batch, and back-fills only if L2 implements ManyTTLReader (neither
// built-in driver does, so there GetMany leaves L1 as it is). GetWithTTL always asks
// L2, which knows the TTL.
//
// # Writes
//
// Set, SetMany, Remove and UpdateTimeout go to L2 first, then to L1, then are
// published to other processes. If L2 returns an error, the write returns it and the
// keys are dropped from this process's L1, so L1 is never newer than L2; since a
// write that failed (a timeout, say) may still have been applied, its invalidation
// is then published in the background, best effort. UpdateTimeout always goes to L2,
// which holds the grace window (a key that expired less than L2's grace ago is
// revived there), and refreshes L1 with the value L2 returns. A write that succeeded
// in L2 but could not be announced returns an error wrapping ErrNotAnnounced and the
// cause: the value is stored, and the adapter keeps trying to announce it. Clear empties L2's namespace and L1, and makes
// other layered adapters on the same channel empty their L1.
//
// # Coherence
//
// When L2 implements adapter.Invalidator (drivers/redis, over pub/sub), New
// subscribes and publishes a probe, and every write is published after it reached
// L2. If L2 refuses either (a Redis 7 user has no channel unless an ACL rule grants
// one), New fails with an error naming the rule to add (&<channel> or allchannels).
// Options.NoInvalidation (invalidation=false) instead runs without pub/sub, as over
// an L2 without Invalidator: a degraded mode in which L1TTL alone bounds staleness. Each process drops
// the published keys from its L1 as the message arrives; its own writes are not
// echoed back to it. A write returns once Redis has accepted the publication, and
// the drop elsewhere follows one pub/sub hop later: tens of microseconds on one
// machine, about a network round trip between machines (TestMultiProcess logs the
// distribution). Until then, another process may still read the old value from its
// L1: coherence is prompt, not linearizable.
//
// A read that missed L1 and is fetching from L2 while an invalidation of the same
// key arrives must not store the old value after the drop. Each key maps to one of
// 1024 stripes with a version that invalidations and local writes bump; a back-fill
// notes the version before asking L2 and is discarded if it moved, or if a local
// write of the stripe is in flight. Local writes store their value in L1 only when
// no other write of the stripe overlapped them and no invalidation came in
// meanwhile; otherwise they drop the key. So after an invalidation has been
// delivered, L1 never returns the value it invalidated.
//
// When the Invalidator calls onReset (the subscription's connection was lost or the
// server restarted, so messages may have been missed), L1 is emptied and reads
// bypass it until the subscription is confirmed again. With drivers/redis the
// confirmation is end to end: the adapter publishes a probe of its own and waits
// for it to come back through the subscription, then empties L1 once more and
// serves it again. With another Invalidator (which hides its own messages) a
// successful Ping of L2 is the confirmation, and the Invalidator is trusted to call
// onReset again when it re-subscribes, as the contract requires. So once the reset
// has been delivered, this process never returns from L1 a value that L2 no longer
// has (for instance after a restart of Redis without persistence).
//
// A connection can also go silent without closing (a partition, a stalled proxy):
// no message arrives, and no error either. Over drivers/redis the subscription
// pings Redis when it has heard nothing for half of Options.Liveness and resets if
// the answer does not come within the other half, so such a silence stops L1 from
// being served after about Liveness, not L1TTL.
//
// Without an Invalidator on L2, nothing tells a process that another one changed a
// key: L1TTL alone bounds how stale its L1 can be. Use a short L1TTL, or an L2 that
// is an Invalidator, when several processes share L2.
//
// Writes made to L2 by programs that do not publish (another client, an expiry by
// another program's command) are not seen either; L1TTL bounds their staleness too.
//
// # When L2 fails
//
// L2 is known to be failing from the moment the subscription resets or an L2 call
// returns an outage, an error wrapping adapter.ErrUnavailable (drivers/redis wraps
// refused, reset and timed-out connections and a server loading or without master),
// until the confirmation above (for an L2 without Invalidator: a successful Ping).
// Meanwhile Healthy reports false and every read bypasses L1 and goes to L2:
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
// from L1, and L1 stays served for every other key.
//
// Writes always return L2's error. When L2 is back and confirmed, L1 is emptied and
// served again. A background goroutine per adapter probes L2 (backing off from 20ms
// to 1s), re-subscribes if the first subscription failed, and re-publishes
// invalidations that could not be published; Close stops it and the subscription
// and waits for both, so no goroutine outlives Close.
//
// # Dependency injection
//
// ProviderSet provides a *Adapter from a URL.
package layered
