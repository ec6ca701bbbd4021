package redis

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/stratacache/strata/adapter"
)

// Values larger than the server accepts.
//
// Redis refuses a request argument longer than its proto-max-bulk-len (512MB
// by default, 1MB at least) by replying a protocol error and closing the
// connection, often while the client is still writing (which then sees a reset
// instead of the reply). On a connection shared by a pipeline, every other
// command on it fails too. So a write whose value or key is longer than
// safeBulk, the least limit any server has, is checked against the server's
// limit before it is sent (learned with CONFIG GET proto-max-bulk-len and
// trusted for bulkLimitTTL), and is sent on a connection of its own, never in
// a shared batch. Servers that refuse CONFIG (ACL rules, managed services) are
// found out after the fact: a protocol error reply, or a dropped connection
// while the server still answers PING, is the too-large answer. Either way
// the caller gets an error wrapping ErrTooLarge and naming the key, never
// adapter.ErrUnavailable, and no other call fails.

// ErrTooLarge is wrapped by the error of a write whose value is larger than the
// server accepts (its proto-max-bulk-len, 512MB by default). It is that call's
// answer, not an outage: it never wraps adapter.ErrUnavailable.
var ErrTooLarge = errors.New("strata/redis: value larger than the server accepts")

// safeBulk is the longest argument every Redis server takes: proto-max-bulk-len
// cannot be set below 1MB.
const safeBulk = 1 << 20

// bulkLimitTTL is how long a learned limit is trusted: CONFIG SET can change it.
const bulkLimitTTL = time.Minute

// bulkLimit is what the adapter learned about the server's proto-max-bulk-len.
type bulkLimit struct {
	n  int64     // the limit in bytes; 0 when the server will not say
	at time.Time // when it was learned
}

// errNoLimit: CONFIG GET answered, but without a usable proto-max-bulk-len.
var errNoLimit = errors.New("no proto-max-bulk-len in the CONFIG GET reply")

// argLen is the longest argument a SET of value under the prefixed key full sends.
func (a *Adapter) argLen(full string, value []byte) int64 {
	n := len(value)
	if a.grace > 0 {
		n += graceHeaderLen
	}
	return int64(max(n, len(full)))
}

// maxBulk returns the server's proto-max-bulk-len (on a Cluster or Ring, the
// least of its nodes'), or 0 when it is unknown: the server refuses to say, or
// could not be asked right now (then the next call asks again).
func (a *Adapter) maxBulk(ctx context.Context) int64 {
	if l := a.bulk.Load(); l != nil && time.Since(l.at) < bulkLimitTTL {
		return l.n
	}
	n, err := a.askBulkLimit(ctx)
	if err != nil {
		var reply goredis.Error
		if !errors.As(err, &reply) && !errors.Is(err, errNoLimit) {
			return 0 // not an answer: an outage or ctx, ask again next time
		}
		n = 0 // NOPERM, unknown command: this server will not say
	}
	a.bulk.Store(&bulkLimit{n: n, at: time.Now()})
	return n
}

// askBulkLimit asks every node for its proto-max-bulk-len and returns the least.
func (a *Adapter) askBulkLimit(ctx context.Context) (int64, error) {
	var (
		mu    sync.Mutex
		least int64
	)
	ask := func(ctx context.Context, c *goredis.Client) error {
		n, err := configBulkLimit(ctx, c)
		if err == nil {
			mu.Lock()
			if least == 0 || n < least {
				least = n
			}
			mu.Unlock()
		}
		return err
	}
	var err error
	switch a.topo {
	case cluster:
		err = a.cluster.ForEachMaster(ctx, ask)
	case ring:
		err = a.ring.ForEachShard(ctx, ask)
	default:
		least, err = configBulkLimit(ctx, a.client)
	}
	return least, err
}

// configBulkLimit reads one node's proto-max-bulk-len.
func configBulkLimit(ctx context.Context, c goredis.Cmdable) (int64, error) {
	m, err := c.ConfigGet(ctx, "proto-max-bulk-len").Result()
	if err != nil {
		return 0, err
	}
	n, err := strconv.ParseInt(m["proto-max-bulk-len"], 10, 64)
	if err != nil || n <= 0 {
		return 0, errNoLimit
	}
	return n, nil
}

// setBig writes cmd, a SET for key whose longest argument is n > safeBulk
// bytes: refused before sending when the server's limit is known and n exceeds
// it, otherwise sent on its own by sendBig.
func (a *Adapter) setBig(ctx context.Context, key, full string, cmd goredis.Cmder, n int64) (err error) {
	ctx, bd := a.bounded(ctx, "Set") // CONFIG GET, SET, maybe PING
	defer bd.end(&err)
	limit := a.maxBulk(ctx)
	if limit > 0 && n > limit {
		return tooLarge(key, n, limit, "checked before sending: nothing was sent")
	}
	return a.sendBig(ctx, key, full, cmd, n, limit)
}

// sendBig runs cmd directly on a connection of its own: if the server drops it,
// no other call fails. It recognises the server refusing the n-byte argument
// (limit: the known limit, or 0) and returns ErrTooLarge for it.
func (a *Adapter) sendBig(ctx context.Context, key, full string, cmd goredis.Cmder, n, limit int64) error {
	err := a.client.Process(ctx, cmd)
	if err == nil {
		return nil
	}
	if goredis.HasErrorPrefix(err, "Protocol error") {
		a.forgetBulkLimit()
		return tooLarge(key, n, limit, "the server refused it: "+err.Error())
	}
	if ctxEnded(ctx) == nil && dropped(err) && a.pingFor(ctx, full) == nil {
		a.forgetBulkLimit()
		return tooLarge(key, n, limit, "the server closed the connection on receiving it, and still answers PING")
	}
	return a.fail(ctx, "SET", key, err)
}

// forgetBulkLimit makes the next big write ask for the limit again, after the
// server refused a value the known limit allowed (CONFIG SET changed it). An
// unknown limit stays unknown until bulkLimitTTL passes: asking again would be
// refused again.
func (a *Adapter) forgetBulkLimit() {
	if l := a.bulk.Load(); l != nil && l.n > 0 {
		a.bulk.CompareAndSwap(l, nil)
	}
}

// pingFor pings the server that holds the prefixed key full.
func (a *Adapter) pingFor(ctx context.Context, full string) error {
	if a.topo == cluster {
		c, err := a.cluster.MasterForKey(ctx, full)
		if err != nil {
			return err
		}
		return c.Ping(ctx).Err()
	}
	return a.client.Ping(ctx).Err()
}

// tooLarge is the error for an n-byte value under key that exceeds the
// server's limit (0: unknown); how says how that was found out.
func tooLarge(key string, n, limit int64, how string) error {
	lim := "the server's proto-max-bulk-len"
	if limit > 0 {
		lim = fmt.Sprintf("the server's proto-max-bulk-len of %d bytes", limit)
	} else {
		how += "; CONFIG GET proto-max-bulk-len is not allowed, so the size could not be checked before sending"
	}
	return &adapter.KeyError{Key: key, Err: fmt.Errorf(
		"%w: a %d-byte value exceeds %s (%s): store smaller values, or raise proto-max-bulk-len",
		ErrTooLarge, n, lim, how)}
}

// setManyBig deals with the items of a SetMany whose longest argument is over
// safeBulk: big indexes keys, full, vals and cmds. When the server's limit is
// known, an item over it fails the whole call before anything is sent, naming
// every such key. It returns the indexes of the commands still to pipeline:
// all of them when the limit is known (the big ones fit); otherwise the small
// ones, after sending each big one on its own. The first big one that fails
// then ends the call, naming its key and the big keys stored before it.
func (a *Adapter) setManyBig(ctx context.Context, keys, full []string, vals [][]byte, cmds []goredis.Cmder, big []int) ([]int, error) {
	sizes := make(map[int]int64, len(big))
	for _, i := range big {
		sizes[i] = a.argLen(full[i], vals[i])
	}
	all := make([]int, len(cmds))
	for i := range all {
		all[i] = i
	}
	limit := a.maxBulk(ctx)
	if limit > 0 {
		over := map[string]error{}
		for _, i := range big {
			if sizes[i] > limit {
				over[keys[i]] = tooLarge(keys[i], sizes[i], limit, "checked before sending")
			}
		}
		if len(over) > 0 {
			return nil, fmt.Errorf("strata/redis: SetMany stored nothing: %w", &adapter.BatchError{Errs: over})
		}
		return all, nil
	}
	for j, i := range big {
		if err := a.sendBig(ctx, keys[i], full[i], cmds[i], sizes[i], 0); err != nil {
			stored := "nothing was stored"
			if j > 0 {
				names := make([]string, j)
				for s, b := range big[:j] {
					names[s] = adapter.QuoteKey(keys[b])
				}
				stored = "stored before it: " + strings.Join(names, ", ") + "; nothing else"
			}
			return nil, fmt.Errorf("strata/redis: SetMany stopped at an item over 1MiB (%s): %w", stored, err)
		}
	}
	rest := all[:0]
	next := 0
	for i := range cmds {
		if next < len(big) && big[next] == i {
			next++
			continue
		}
		rest = append(rest, i)
	}
	return rest, nil
}
