package redis

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/stratacache/strata/adapter"
)

// The invalidation message, published on the adapter's channel (Options.InvalidationChannel,
// by default "strata:invalidate:" + Prefix, + the cache's prefix when opened by strata.Open):
//
//	byte 0       invalidationVersion (1)
//	bytes 1..16  the publishing Adapter's instance id (random, see InstanceID)
//	then, for each key: its length as a uvarint, then its bytes
//
// Keys are the keys given to Publish (without the adapter's prefix) and may hold any
// bytes. A subscriber that cannot decode a message calls onReset.
const (
	invalidationVersion byte = 1
	idLen                    = 16
)

// Subscription health: after pingInterval without traffic the subscriber sends a
// PING; if nothing arrives within another pingInterval the connection is presumed
// dead (a silent network failure), dropped and re-established, with a reset.
// SubscribeAllLiveness uses half its liveness instead.
var (
	pingInterval = 30 * time.Second
	minBackoff   = 50 * time.Millisecond
	maxBackoff   = time.Second
)

// InstanceID returns this Adapter's random identifier (32 hex digits), carried by
// every invalidation it publishes. SubscribeAll passes it to its callback so
// subscribers can tell their own messages from other processes'.
func (a *Adapter) InstanceID() string { return a.idHex }

// Channel returns the pub/sub channel Publish and Subscribe use.
func (a *Adapter) Channel() string { return a.channel }

// encodeInvalidation builds the message announcing keys.
func encodeInvalidation(id [idLen]byte, keys []string) []byte {
	n := 1 + idLen
	for _, k := range keys {
		n += binary.MaxVarintLen64 + len(k)
	}
	b := make([]byte, 0, n)
	b = append(b, invalidationVersion)
	b = append(b, id[:]...)
	for _, k := range keys {
		b = binary.AppendUvarint(b, uint64(len(k)))
		b = append(b, k...)
	}
	return b
}

// decodeInvalidation reads a message built by encodeInvalidation.
func decodeInvalidation(s string) (id [idLen]byte, keys []string, err error) {
	if len(s) < 1+idLen || s[0] != invalidationVersion {
		return id, nil, errors.New("strata/redis: malformed invalidation message (unknown version or too short)")
	}
	copy(id[:], s[1:1+idLen])
	rest := s[1+idLen:]
	for len(rest) > 0 {
		n, w := binary.Uvarint([]byte(rest[:min(len(rest), binary.MaxVarintLen64)]))
		if w <= 0 || n > uint64(len(rest)-w) {
			return id, nil, errors.New("strata/redis: malformed invalidation message (bad key length)")
		}
		keys = append(keys, rest[w:w+int(n)])
		rest = rest[w+int(n):]
	}
	return id, keys, nil
}

// Publish tells every subscriber of the adapter's channel, in every process, that
// keys changed: one PUBLISH, whose message carries the keys and InstanceID. On a
// Cluster the message reaches subscribers on every node. Publishing no keys does
// nothing.
func (a *Adapter) Publish(ctx context.Context, keys ...string) (err error) {
	if err := a.start(ctx); err != nil {
		return err
	}
	if len(keys) == 0 {
		return nil
	}
	defer a.settle(&err)
	// Through process: a layered write (SET, then PUBLISH) under many goroutines
	// pipelines both of its round trips.
	cmd := goredis.NewIntCmd(ctx, "publish", a.channel, encodeInvalidation(a.id, keys))
	if err := a.process(ctx, cmd); err != nil {
		return a.aclHint(a.wrap(ctx, "PUBLISH "+a.channel, err))
	}
	a.counts.published.Add(uint64(len(keys)))
	return nil
}

// aclHint adds to err, when it is the server's refusal of PUBLISH or SUBSCRIBE
// (NOPERM), the ACL rules the user needs. Redis 7 gives users no channel unless a
// rule grants one (acl-pubsub-default resetchannels), so a typical application user
// ("~app:* +@all") may use its keys but not its invalidation channel.
func (a *Adapter) aclHint(err error) error {
	if !goredis.HasErrorPrefix(err, "NOPERM") {
		return err
	}
	return fmt.Errorf("%w (grant the Redis user the invalidation channel with the ACL rule %s, or allchannels; and the commands +publish +subscribe if it lacks them)",
		err, "&"+globEscape(a.channel))
}

// globEscape escapes the characters an ACL channel pattern (a glob) treats as special,
// so that the pattern matches exactly s.
func globEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`*?[]\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Subscribe calls onInvalidate with the keys other adapters publish on the channel
// (messages this Adapter published itself are skipped: its caller already knows),
// and onReset whenever messages may have been lost: when the connection fails and
// again when it has been re-established (go-redis reconnects and re-subscribes on
// its own). A subscriber should then drop everything it caches. Both callbacks run
// on the subscription's goroutine, one at a time; keep them quick, and do not call
// stop or Close from inside them (both wait for that goroutine).
//
// Subscribe returns once the server has confirmed the subscription, or with an
// error if it cannot subscribe (or ctx ends first). A refusal (NOPERM: the ACL user
// lacks the channel) is returned at once, naming the ACL rule to add; Publish
// reports it the same way. ctx bounds only that wait; stop ends the subscription
// and waits for its goroutine, as does Close.
func (a *Adapter) Subscribe(ctx context.Context, onInvalidate func(keys []string), onReset func()) (stop func(), err error) {
	var deliver func([idLen]byte, []string)
	if onInvalidate != nil {
		deliver = func(id [idLen]byte, keys []string) {
			if id != a.id {
				onInvalidate(keys)
			}
		}
	}
	return a.subscribe(ctx, pingInterval, deliver, onReset)
}

// SubscribeAll is Subscribe without the filter: onInvalidate receives every
// message, this Adapter's own included, with the publisher's InstanceID.
func (a *Adapter) SubscribeAll(ctx context.Context, onInvalidate func(publisher string, keys []string), onReset func()) (stop func(), err error) {
	return a.SubscribeAllLiveness(ctx, 2*pingInterval, onInvalidate, onReset)
}

// SubscribeAllLiveness is SubscribeAll with a bound on how long the subscription's
// connection may stay silent unnoticed. Subscribe and SubscribeAll notice a network
// that stopped delivering without closing the connection (a silent partition, a
// stalled proxy) only after about a minute; here, after liveness/2 without traffic
// the subscriber sends a PING, and if nothing arrives within another liveness/2 the
// connection is presumed dead: onReset is called and the connection re-established.
// A short liveness costs one PING per liveness/2 on an idle subscription, and a
// server that pauses longer than liveness/2 (a slow command, a fork) causes a reset.
// liveness must be positive.
func (a *Adapter) SubscribeAllLiveness(ctx context.Context, liveness time.Duration, onInvalidate func(publisher string, keys []string), onReset func()) (stop func(), err error) {
	if liveness <= 0 {
		return nil, fmt.Errorf("strata/redis: SubscribeAllLiveness: liveness is %v; want a positive duration", liveness)
	}
	var deliver func([idLen]byte, []string)
	if onInvalidate != nil {
		deliver = func(id [idLen]byte, keys []string) { onInvalidate(hex.EncodeToString(id[:]), keys) }
	}
	return a.subscribe(ctx, max(liveness/2, time.Millisecond), deliver, onReset)
}

// subscription is one Subscribe call's goroutine and connection.
type subscription struct {
	a       *Adapter
	deliver func([idLen]byte, []string)
	onReset func()
	ping    time.Duration // silence before a PING, and the wait for its answer

	mu sync.Mutex
	ps *goredis.PubSub

	ctx      context.Context // ends when stopped, to abandon dials in progress
	cancel   context.CancelFunc
	quit     chan struct{}
	done     chan struct{}
	stopOnce sync.Once
}

func (a *Adapter) subscribe(ctx context.Context, ping time.Duration, deliver func([idLen]byte, []string), onReset func()) (_ func(), err error) {
	if err := a.start(ctx); err != nil {
		return nil, err
	}
	defer a.settle(&err)
	if deliver == nil {
		deliver = func([idLen]byte, []string) {}
	}
	if onReset == nil {
		onReset = func() {}
	}
	s := &subscription{
		a:       a,
		deliver: deliver,
		onReset: onReset,
		ping:    ping,
		quit:    make(chan struct{}),
		done:    make(chan struct{}),
	}
	s.ctx, s.cancel = context.WithCancel(context.WithoutCancel(ctx))
	s.ps = a.client.Subscribe(ctx, a.channel)
	a.mu.Lock()
	if a.closed.Load() {
		a.mu.Unlock()
		_ = s.ps.Close()
		return nil, adapter.ErrClosed
	}
	a.subs[s] = struct{}{}
	a.mu.Unlock()

	ready := make(chan error, 1)
	go s.run(ready)
	select {
	case err := <-ready:
		if err != nil {
			s.stop()
			if errors.Is(err, errStopped) {
				err = adapter.ErrClosed // Close ran while we waited
			}
			return nil, a.aclHint(a.wrap(ctx, "SUBSCRIBE "+a.channel, err))
		}
		return s.stop, nil
	case <-ctx.Done():
		s.stop()
		return nil, adapter.CheckContext(ctx)
	}
}

// stop ends the subscription and waits for its goroutine. It may be called more
// than once, from any goroutine but the subscription's own callbacks.
func (s *subscription) stop() {
	s.stopOnce.Do(func() {
		close(s.quit)
		s.cancel()
		s.mu.Lock()
		_ = s.ps.Close()
		s.mu.Unlock()
		s.a.mu.Lock()
		delete(s.a.subs, s)
		s.a.mu.Unlock()
	})
	<-s.done
}

func (s *subscription) stopped() bool {
	select {
	case <-s.quit:
		return true
	default:
		return false
	}
}

func (s *subscription) pubsub() *goredis.PubSub {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ps
}

// sleep waits d, or less if the subscription is stopped; it reports whether to go on.
func (s *subscription) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.quit:
		return false
	}
}

// errStopped tells Subscribe that the subscription was stopped (by Close) before
// the server confirmed it.
var errStopped = errors.New("strata/redis: subscription stopped before it was confirmed")

// run receives until stopped. ready gets the outcome of the first subscription,
// exactly once.
func (s *subscription) run(ready chan<- error) {
	defer close(s.done)
	ctx := s.ctx
	confirmed := false // the first confirmation arrived (Subscribe returned)
	defer func() {
		if !confirmed {
			ready <- errStopped
		}
	}()
	healthy := false // subscribed now, with no failure seen since
	pinged := false  // a PING is waiting for its answer
	backoff := minBackoff
	lost := func(why string, err error) {
		if healthy {
			healthy = false
			if l := s.a.log; l != nil {
				l.Warn("strata/redis: invalidation subscription lost: "+why, "channel", s.a.channel, "err", err)
			}
			s.reset()
		}
	}
	for {
		msg, err := s.pubsub().ReceiveTimeout(ctx, s.ping)
		if s.stopped() {
			return
		}
		if err != nil {
			if !confirmed {
				confirmed = true // reported: the deferred signal must not fire
				ready <- err
				return
			}
			if isTimeout(err) && healthy {
				if !pinged {
					pinged = true
					if s.pubsub().Ping(ctx) == nil {
						continue
					}
				}
				// No answer to a PING: drop the connection and subscribe anew.
				pinged = false
				lost("the connection went silent", err)
				s.renew()
				continue
			}
			pinged = false
			lost("the connection failed", err)
			if !s.sleep(backoff) {
				return
			}
			backoff = min(2*backoff, maxBackoff)
			continue
		}
		pinged = false
		switch m := msg.(type) {
		case *goredis.Subscription:
			if m.Kind != "subscribe" {
				continue
			}
			backoff = minBackoff
			if !confirmed {
				confirmed, healthy = true, true
				ready <- nil
				continue
			}
			// go-redis re-subscribed after a reconnect: whatever was published
			// meanwhile is lost.
			healthy = true
			if l := s.a.log; l != nil {
				l.Info("strata/redis: invalidation subscription restored", "channel", s.a.channel)
			}
			s.reset()
		case *goredis.Message:
			id, keys, err := decodeInvalidation(m.Payload)
			if err != nil {
				if l := s.a.log; l != nil {
					l.Warn("strata/redis: unreadable message on the invalidation channel (another program publishing on it?)", "channel", s.a.channel, "err", err)
				}
				s.reset() // it may have been an invalidation we cannot read
				continue
			}
			if len(keys) > 0 {
				if id != s.a.id {
					s.a.counts.received.Add(uint64(len(keys)))
				}
				s.deliver(id, keys)
			}
		}
	}
}

// renew replaces the subscription's connection with a new one.
func (s *subscription) renew() {
	s.mu.Lock()
	old := s.ps
	s.mu.Unlock()
	_ = old.Close()
	ps := s.a.client.Subscribe(s.ctx, s.a.channel) // may dial: not under s.mu
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped() {
		_ = ps.Close()
		return
	}
	s.ps = ps
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
