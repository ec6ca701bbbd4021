package redis

import (
	"context"
	"errors"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/stratacache/strata/adapter"
)

// groups splits indexes into keys into the groups one multi-key command may carry:
// everything on a standalone server, one group per hash slot on a Cluster, one per
// key on a Ring.
func (a *Adapter) groups(keys []string) [][]int {
	all := func() [][]int {
		g := make([]int, len(keys))
		for i := range g {
			g[i] = i
		}
		return [][]int{g}
	}
	switch a.topo {
	case cluster:
		return groupBySlot(keys)
	case ring:
		out := make([][]int, len(keys))
		for i := range keys {
			out[i] = []int{i}
		}
		return out
	default:
		return all()
	}
}

// groupBySlot groups the indexes of keys by hash slot, in order of first appearance.
func groupBySlot(keys []string) [][]int {
	if len(keys) == 1 {
		return [][]int{{0}}
	}
	bySlot := make(map[int]int, len(keys)) // slot -> index into out
	var out [][]int
	for i, k := range keys {
		s := Slot(k)
		g, ok := bySlot[s]
		if !ok {
			g = len(out)
			bySlot[s] = g
			out = append(out, nil)
		}
		out[g] = append(out[g], i)
	}
	return out
}

func pick(keys []string, idx []int) []string {
	out := make([]string, len(idx))
	for i, j := range idx {
		out[i] = keys[j]
	}
	return out
}

// GetMany returns the values of the keys that exist, misses omitted, with one MGET
// (on a Cluster, one MGET per hash slot, pipelined to the nodes in parallel).
func (a *Adapter) GetMany(ctx context.Context, keys []string) (map[string][]byte, error) {
	if a.closed.Load() {
		return nil, adapter.ErrClosed
	}
	full, err := a.fullKeys(keys)
	if err != nil {
		return nil, err
	}
	if err := adapter.CheckContext(ctx); err != nil {
		return nil, err
	}
	out := make(map[string][]byte, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	var now int64
	if a.grace > 0 {
		now = nowMS()
	}
	add := func(idx []int, vals []any) error {
		for i, v := range vals {
			s, ok := v.(string)
			if !ok {
				continue // nil: a miss
			}
			key := keys[idx[i]]
			b := []byte(s)
			if a.grace > 0 {
				var err error
				if b, err = unwrap(key, b, now); err != nil {
					if errors.Is(err, adapter.ErrNotFound) {
						continue
					}
					return err
				}
			}
			out[key] = b
		}
		return nil
	}
	groups := a.groups(full)
	if len(groups) == 1 {
		vals, err := a.client.MGet(ctx, full...).Result()
		if err != nil {
			return nil, a.wrap(ctx, "MGET", err)
		}
		return out, add(groups[0], vals)
	}
	pipe := a.client.Pipeline()
	cmds := make([]*goredis.SliceCmd, len(groups))
	for i, g := range groups {
		cmds[i] = pipe.MGet(ctx, pick(full, g)...)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, a.wrap(ctx, "MGET", err)
	}
	for i, g := range groups {
		if err := add(g, cmds[i].Val()); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// SetMany stores every item for ttl with one pipeline of SET PX commands (on a
// Cluster go-redis sends each node its share in parallel). It is not a
// transaction: after an error some items may be stored.
func (a *Adapter) SetMany(ctx context.Context, items map[string][]byte, ttl time.Duration) error {
	if a.closed.Load() {
		return adapter.ErrClosed
	}
	if err := adapter.CheckTTL(ttl); err != nil {
		return err
	}
	full := make(map[string][]byte, len(items))
	for k, v := range items {
		f, err := a.full(k)
		if err != nil {
			return err
		}
		full[f] = v
	}
	if err := adapter.CheckContext(ctx); err != nil {
		return err
	}
	if len(full) == 0 {
		return nil
	}
	now := nowMS()
	pipe := a.client.Pipeline()
	for f, v := range full {
		_ = pipe.Process(ctx, a.setCmd(ctx, f, v, ttl, now))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return a.wrap(ctx, "SET (pipelined)", err)
	}
	return nil
}

// remove deletes the distinct prefixed keys and returns how many existed (with
// grace: how many were logically alive).
func (a *Adapter) remove(ctx context.Context, full []string) (int64, error) {
	groups := a.groups(full)
	var now int64
	if a.grace > 0 {
		now = nowMS()
	}
	if len(groups) == 1 {
		if a.grace > 0 {
			return removeScript.Run(ctx, a.client, full, now).Int64()
		}
		if len(full) == 1 {
			return a.unlinkOne(ctx, full[0])
		}
		return a.client.Unlink(ctx, full...).Result()
	}
	run := func(useEval bool, gs [][]int) ([]*goredis.Cmd, []*goredis.IntCmd, error) {
		pipe := a.client.Pipeline()
		scripts := make([]*goredis.Cmd, len(gs))
		unlinks := make([]*goredis.IntCmd, len(gs))
		for i, g := range gs {
			keys := pick(full, g)
			switch {
			case a.grace == 0:
				unlinks[i] = pipe.Unlink(ctx, keys...)
			case useEval:
				scripts[i] = removeScript.Eval(ctx, pipe, keys, now)
			default:
				scripts[i] = removeScript.EvalSha(ctx, pipe, keys, now)
			}
		}
		_, err := pipe.Exec(ctx)
		return scripts, unlinks, err
	}
	scripts, unlinks, err := run(false, groups)
	var n int64
	if a.grace == 0 {
		if err != nil {
			return 0, err
		}
		for _, c := range unlinks {
			n += c.Val()
		}
		return n, nil
	}
	// Scripts: nodes that lost their script cache (a restart, a failover) answer
	// NOSCRIPT; send those groups again with the script's source.
	var retry [][]int
	for i, c := range scripts {
		switch v, err := c.Int64(); {
		case err == nil:
			n += v
		case isNoScript(err):
			retry = append(retry, groups[i])
		default:
			return 0, err
		}
	}
	if len(retry) > 0 {
		scripts, _, err = run(true, retry)
		if err != nil {
			return 0, err
		}
		for _, c := range scripts {
			v, err := c.Int64()
			if err != nil {
				return 0, err
			}
			n += v
		}
	}
	return n, nil
}

func isNoScript(err error) bool {
	return errors.Is(err, goredis.ErrNoScript) || goredis.HasErrorPrefix(err, "NOSCRIPT")
}
