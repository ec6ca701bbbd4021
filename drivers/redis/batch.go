package redis

import (
	"context"
	"errors"

	goredis "github.com/redis/go-redis/v9"

	"github.com/stratacache/strata/adapter"
)

// groups splits indexes into keys into the groups one multi-key command may carry:
// everything on a standalone server, one group per hash slot on a Cluster. It
// returns nil when every key needs a command of its own: always on a Ring, and on a
// Cluster when no two keys share a slot (the usual case for a batch of unrelated
// keys: 100 random keys spread over about 100 of the 16384 slots).
func (a *Adapter) groups(keys []string) [][]int {
	switch a.topo {
	case cluster:
		return slotGroups(keys)
	case ring:
		return nil
	default:
		g := make([]int, len(keys))
		for i := range g {
			g[i] = i
		}
		return [][]int{g}
	}
}

// groupBySlot groups the indexes of keys by hash slot, in order of first appearance.
func groupBySlot(keys []string) [][]int {
	if g := slotGroups(keys); g != nil {
		return g
	}
	return singles(len(keys))
}

// singles returns n groups of one index each: {0}, {1}, ...
func singles(n int) [][]int {
	idx := make([]int, n)
	out := make([][]int, n)
	for i := range idx {
		idx[i] = i
		out[i] = idx[i : i+1 : i+1]
	}
	return out
}

// slotGroups is groupBySlot, except that it returns nil when every key has a slot
// of its own. It computes each slot once, finds the shared slots with two bitmaps
// on the stack and builds a map only for those, so a batch without shared slots
// costs one small allocation.
func slotGroups(keys []string) [][]int {
	n := len(keys)
	if n == 1 {
		return [][]int{{0}}
	}
	var seen, shared [SlotCount / 64]uint64
	slots := make([]uint16, n)
	nShared := 0
	for i, k := range keys {
		s := uint16(Slot(k))
		slots[i] = s
		w, bit := s>>6, uint64(1)<<(s&63)
		switch {
		case seen[w]&bit == 0:
			seen[w] |= bit
		case shared[w]&bit == 0:
			shared[w] |= bit
			nShared++
		}
	}
	if nShared == 0 {
		return nil
	}
	idx := make([]int, n)
	out := make([][]int, 0, n)
	at := make(map[uint16]int, nShared) // shared slot -> index into out
	for i, s := range slots {
		idx[i] = i
		if shared[s>>6]&(uint64(1)<<(s&63)) == 0 {
			out = append(out, idx[i:i+1:i+1])
			continue
		}
		g, ok := at[s]
		if !ok {
			g = len(out)
			at[s] = g
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

// GetMany returns the values of the keys that exist, misses omitted: one MGET on a
// standalone server; on a Cluster one MGET per hash slot, or one GET per key when no
// two keys share a slot, pipelined (go-redis sends each node its share in
// parallel). A key holding another type than a string is a miss, as MGET reports it.
func (a *Adapter) GetMany(ctx context.Context, keys []string) (_ map[string][]byte, err error) {
	ctx, bd := a.bounded(ctx, "GetMany")
	defer bd.end(&err)
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
	// add stores b, read under keys[i], unless grace says it expired. b must be
	// fresh memory the caller may keep: a GET reply's bytes (go-redis allocates
	// them for the reply) or a copy of an MGET reply's string.
	add := func(i int, b []byte) error {
		key := keys[i]
		if a.grace > 0 {
			var err error
			if b, err = unwrap(key, b, now); err != nil {
				if errors.Is(err, adapter.ErrNotFound) {
					return nil
				}
				return err
			}
		}
		out[key] = b
		return nil
	}
	addAll := func(idx []int, vals []any) error {
		for i, v := range vals {
			if s, ok := v.(string); ok { // nil: a miss
				if err := add(idx[i], []byte(s)); err != nil {
					return err
				}
			}
		}
		return nil
	}
	groups := a.groups(full)
	if len(groups) == 1 {
		vals, err := a.client.MGet(ctx, full...).Result()
		if err != nil {
			return nil, a.wrap(ctx, "MGET", err)
		}
		return out, addAll(groups[0], vals)
	}
	cmds := a.getCmds(ctx, full, groups)
	pipe := a.client.Pipeline()
	_ = pipe.BatchProcess(ctx, cmds...)
	// Exec reports the first command's error, which is redis.Nil for a GET that
	// missed: every command's own error is checked below instead.
	if _, err := pipe.Exec(ctx); err != nil && !isMiss(err) {
		return nil, a.wrap(ctx, "MGET/GET (pipelined)", err)
	}
	for c, cmd := range cmds {
		switch cmd := cmd.(type) {
		case *goredis.StringCmd:
			b, err := cmd.Bytes()
			if err != nil {
				if isMiss(err) {
					continue
				}
				return nil, a.wrap(ctx, "GET", err)
			}
			i := c
			if groups != nil {
				i = groups[c][0]
			}
			if err := add(i, b); err != nil {
				return nil, err
			}
		case *goredis.SliceCmd:
			vals, err := cmd.Result()
			if err != nil {
				return nil, a.wrap(ctx, "MGET", err)
			}
			if err := addAll(groups[c], vals); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// getCmds builds the commands of a pipelined GetMany: for each group of indexes
// into full (each index alone when groups is nil), a GET when it holds one key and
// an MGET otherwise. The commands share one backing array for their arguments.
func (a *Adapter) getCmds(ctx context.Context, full []string, groups [][]int) []goredis.Cmder {
	n := len(groups)
	if groups == nil {
		n = len(full)
	}
	cmds := make([]goredis.Cmder, n)
	args := make([]any, 0, n+len(full)) // a name per command, every key once
	for c := range cmds {
		start := len(args)
		var cmd goredis.Cmder
		switch {
		case groups == nil:
			args = append(args, "get", full[c])
			cmd = goredis.NewStringCmd(ctx, args[start:len(args):len(args)]...)
		case len(groups[c]) == 1:
			args = append(args, "get", full[groups[c][0]])
			cmd = goredis.NewStringCmd(ctx, args[start:len(args):len(args)]...)
		default:
			args = append(args, "mget")
			for _, i := range groups[c] {
				args = append(args, full[i])
			}
			cmd = goredis.NewSliceCmd(ctx, args[start:len(args):len(args)]...)
		}
		cmd.SetFirstKeyPos(1) // spares go-redis looking up where the key is
		cmds[c] = cmd
	}
	return cmds
}

// isMiss reports whether err is what a GET answers where MGET answers nil: the key
// is absent (redis.Nil) or holds another type than a string (WRONGTYPE).
func isMiss(err error) bool {
	return errors.Is(err, goredis.Nil) || goredis.HasErrorPrefix(err, "WRONGTYPE")
}

// remove deletes the distinct prefixed keys and returns how many existed (with
// grace: how many were logically alive).
func (a *Adapter) remove(ctx context.Context, full []string) (int64, error) {
	groups := a.groups(full)
	if groups == nil {
		groups = singles(len(full))
	}
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
