package redis

import (
	"context"
	"strings"

	goredis "github.com/redis/go-redis/v9"

	"github.com/stratacache/strata/adapter"
)

// scanCount is the COUNT hint of Clear's SCAN: keys examined per round trip.
const scanCount = 1000

// Clear removes every key that starts with the adapter's prefix followed by prefix
// (the namespace of a strata.Cache; "" for every key of the adapter): SCAN MATCH
// <Options.Prefix+prefix>* and UNLINK, page by page, on every master of a Cluster (or
// shard of a Ring). Glob characters in either prefix are matched literally. It never
// uses FLUSHDB or FLUSHALL. When Options.Prefix and prefix are both empty it returns
// ErrClearWithoutPrefix unless Options.AllowClearWithoutPrefix is set. Keys written
// while Clear runs may survive.
func (a *Adapter) Clear(ctx context.Context, prefix string) (err error) {
	if a.closed.Load() {
		return adapter.ErrClosed
	}
	if err := adapter.CheckContext(ctx); err != nil {
		return err
	}
	ns := a.prefix + prefix
	if ns == "" && !a.clearAll {
		return ErrClearWithoutPrefix
	}
	if err := a.brk.admit(); err != nil {
		return err
	}
	defer a.settle(&err)
	pattern := escapeGlob(ns) + "*"
	switch a.topo {
	case cluster:
		err = a.cluster.ForEachMaster(ctx, func(ctx context.Context, node *goredis.Client) error {
			return clearNode(ctx, node, pattern, true)
		})
	case ring:
		err = a.ring.ForEachShard(ctx, func(ctx context.Context, shard *goredis.Client) error {
			return clearNode(ctx, shard, pattern, false)
		})
	default:
		err = clearNode(ctx, a.client, pattern, false)
	}
	if err != nil {
		return a.wrap(ctx, "Clear (SCAN+UNLINK "+pattern+")", err)
	}
	return nil
}

// clearNode scans one node for pattern and unlinks what it finds. On a Cluster node
// the keys of one page may lie in several slots, so they are unlinked per slot.
func clearNode(ctx context.Context, c goredis.Cmdable, pattern string, bySlot bool) error {
	var cursor uint64
	for {
		keys, next, err := c.Scan(ctx, cursor, pattern, scanCount).Result()
		if err != nil {
			return err
		}
		if len(keys) > 0 {
			if bySlot {
				pipe := c.Pipeline()
				for _, g := range groupBySlot(keys) {
					pipe.Unlink(ctx, pick(keys, g)...)
				}
				_, err = pipe.Exec(ctx)
			} else {
				err = c.Unlink(ctx, keys...).Err()
			}
			if err != nil {
				return err
			}
		}
		if next == 0 {
			return nil
		}
		cursor = next
	}
}

// escapeGlob escapes the characters SCAN MATCH treats specially, so a prefix
// matches only itself.
func escapeGlob(s string) string {
	if !strings.ContainsAny(s, `*?[]\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '*', '?', '[', ']', '\\':
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
