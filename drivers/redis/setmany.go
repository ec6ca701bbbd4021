package redis

import (
	"context"
	"fmt"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/stratacache/strata/adapter"
)

// SetMany stores every item for ttl with one pipeline of SET PX commands (on a
// Cluster go-redis sends each node its share in parallel). It is not a
// transaction: after a failure the error names the keys whose SET failed (an
// adapter.BatchError inside); those may or may not be stored, the others are.
//
// A value larger than the server accepts ([ErrTooLarge], see the package doc)
// fails the call naming its key. When the server reveals its limit (CONFIG GET
// proto-max-bulk-len), every value over 1MiB is checked before anything is sent,
// so then nothing is stored. Otherwise the values over 1MiB are sent first, each
// on its own, and the first one refused ends the call: the error names the keys
// of those stored before it, and no other item is sent. Either way no other
// call of the adapter is disturbed.
func (a *Adapter) SetMany(ctx context.Context, items map[string][]byte, ttl time.Duration) (err error) {
	if err := a.start(ctx); err != nil {
		return err
	}
	defer a.settle(&err) // before bd.end's, so that it runs after it
	ctx, bd := a.bounded(ctx, "SetMany")
	defer bd.end(&err)
	keys := make([]string, 0, len(items))
	vals := make([][]byte, 0, len(items))
	for k, v := range items {
		keys = append(keys, k)
		vals = append(vals, v)
	}
	full := a.fullKeys(keys)
	if len(full) == 0 {
		return nil
	}
	now := a.nowMS()
	// Every SET has the same expiry: box its arguments once, and give all the
	// commands one backing array for their arguments.
	expiry, keepMS := a.expiryFor(now, ttl)
	var px any
	per := 3
	if keepMS > 0 {
		px, per = keepMS, 5
	}
	args := make([]any, 0, per*len(full))
	cmds := make([]goredis.Cmder, len(full))
	var big []int // the items over safeBulk, see oversize.go
	for i, f := range full {
		start := len(args)
		args = append(args, "set", f, a.setValue(vals[i], expiry))
		if px != nil {
			args = append(args, "px", px)
		}
		cmd := goredis.NewStatusCmd(ctx, args[start:len(args):len(args)]...)
		cmd.SetFirstKeyPos(1)
		cmds[i] = cmd
		if a.argLen(f, vals[i]) > safeBulk {
			big = append(big, i)
		}
	}
	send := cmds
	if len(big) > 0 {
		idx, err := a.setManyBig(ctx, keys, full, vals, cmds, big)
		if err != nil {
			return err
		}
		if len(idx) < len(cmds) {
			send, keys = make([]goredis.Cmder, len(idx)), pick(keys, idx)
			for j, i := range idx {
				send[j] = cmds[i]
			}
		}
	}
	if len(send) == 0 {
		return nil
	}
	pipe := a.client.Pipeline()
	_ = pipe.BatchProcess(ctx, send...)
	if _, err := pipe.Exec(ctx); err != nil {
		return a.setManyFailed(ctx, keys, send, err)
	}
	return nil
}

// setManyFailed is SetMany's error after its pipeline of send (the SETs of
// keys, in order) failed with err: it names every key whose SET failed.
func (a *Adapter) setManyFailed(ctx context.Context, keys []string, send []goredis.Cmder, err error) error {
	failed := map[string]error{}
	for i, c := range send {
		if e := c.Err(); e != nil {
			failed[keys[i]] = a.wrap(ctx, "SET (pipelined)", e)
		}
	}
	if len(failed) == 0 {
		return a.wrap(ctx, "SET (pipelined)", err)
	}
	return fmt.Errorf("strata/redis: SetMany: %d of %d SETs failed (those keys may or may not be stored; the others are): %w",
		len(failed), len(send), &adapter.BatchError{Errs: failed})
}
