package redis

import (
	"context"
	"errors"
	"fmt"

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
// parallel). Each MGET travels with an EXISTS of its keys in the same round trip,
// so that a key holding another type than a string, which MGET answers as nil, is
// reported as Get reports it (WRONGTYPE) rather than as a miss.
//
// A key that cannot be served (another type, a refused key, with grace a value
// without Strata's header) does not fail the others: GetMany returns the values it
// read and an *adapter.BatchError naming the rest. An outage fails the whole call.
func (a *Adapter) GetMany(ctx context.Context, keys []string) (_ map[string][]byte, err error) {
	if err := a.start(ctx); err != nil {
		return nil, err
	}
	defer a.settle(&err) // before bd.end's, so that it runs after it
	ctx, bd := a.bounded(ctx, "GetMany")
	defer bd.end(&err)
	full := a.fullKeys(keys)
	r := &batchRead{a: a, keys: keys, out: make(map[string][]byte, len(keys))}
	if len(keys) == 0 {
		return r.out, nil
	}
	if a.grace > 0 {
		r.now = a.nowMS()
	}
	groups := a.groups(full)
	cmds := a.getCmds(ctx, full, groups)
	pipe := a.client.Pipeline()
	_ = pipe.BatchProcess(ctx, cmds...)
	exists := make(map[int]*goredis.IntCmd) // by index into cmds, for each MGET
	for c, cmd := range cmds {
		if _, ok := cmd.(*goredis.SliceCmd); ok {
			args := append([]any{"exists"}, cmd.Args()[1:]...)
			e := goredis.NewIntCmd(ctx, args...)
			e.SetFirstKeyPos(1)
			exists[c] = e
			_ = pipe.Process(ctx, e)
		}
	}
	// Exec reports the first command's error, which is redis.Nil for a GET that
	// missed: every command's own error is checked below instead.
	if _, err := pipe.Exec(ctx); err != nil && !isReply(err) {
		return nil, a.wrap(ctx, "MGET/GET (pipelined)", err)
	}
	var suspects []int // indexes of keys MGET answered nil while EXISTS counted more keys
	for c, cmd := range cmds {
		idx := []int{c}
		if groups != nil {
			idx = groups[c]
		}
		switch cmd := cmd.(type) {
		case *goredis.StringCmd:
			b, err := cmd.Bytes()
			switch {
			case err == nil:
				r.add(idx[0], b)
			case errors.Is(err, goredis.Nil):
			case isReply(err):
				r.fail(idx[0], a.fail(ctx, "GET", keys[idx[0]], err))
			default:
				return nil, a.wrap(ctx, "GET", err)
			}
		case *goredis.SliceCmd:
			vals, err := cmd.Result()
			if err != nil {
				if !isReply(err) {
					return nil, a.wrap(ctx, "MGET", err)
				}
				for _, i := range idx {
					r.fail(i, a.fail(ctx, "MGET", keys[i], err))
				}
				continue
			}
			found := 0
			for j, v := range vals {
				if s, ok := v.(string); ok { // nil: a miss, or a key of another type
					found++
					r.add(idx[j], []byte(s))
				}
			}
			if n, err := exists[c].Result(); err == nil && n > int64(found) {
				for j, v := range vals {
					if v == nil {
						suspects = append(suspects, idx[j])
					}
				}
			}
		}
	}
	if len(suspects) > 0 {
		if err := r.checkTypes(ctx, full, suspects); err != nil {
			return nil, err
		}
	}
	return r.result()
}

// batchRead collects what GetMany read: the values, and the keys it could not
// serve with their errors.
type batchRead struct {
	a      *Adapter
	keys   []string // the caller's keys
	now    int64    // with grace: the time logical expiries are compared with
	out    map[string][]byte
	failed map[string]error
}

// add stores b, read under keys[i], unless grace says it expired or it has no
// grace header. b must be fresh memory the caller may keep: a GET reply's bytes
// (go-redis allocates them for the reply) or a copy of an MGET reply's string.
func (r *batchRead) add(i int, b []byte) {
	key := r.keys[i]
	if r.a.grace > 0 {
		var err error
		if b, err = unwrap(key, b, r.now); err != nil {
			if !errors.Is(err, adapter.ErrNotFound) {
				r.fail(i, err)
			}
			return
		}
	}
	r.out[key] = b
}

func (r *batchRead) fail(i int, err error) {
	if r.failed == nil {
		r.failed = make(map[string]error)
	}
	r.failed[r.keys[i]] = err
}

func (r *batchRead) result() (map[string][]byte, error) {
	if len(r.failed) > 0 {
		return r.out, &adapter.BatchError{Errs: r.failed}
	}
	return r.out, nil
}

// checkTypes asks the TYPE of the keys at idx, which MGET answered nil although
// EXISTS counted them, in one pipeline; a key of another type fails as a GET of it
// would (WRONGTYPE). A key that is gone by now (it expired, or was removed in the
// meantime) stays a miss.
func (r *batchRead) checkTypes(ctx context.Context, full []string, idx []int) error {
	pipe := r.a.client.Pipeline()
	cmds := make([]*goredis.StatusCmd, len(idx))
	for j, i := range idx {
		cmds[j] = pipe.Type(ctx, full[i])
	}
	if _, err := pipe.Exec(ctx); err != nil && !isReply(err) {
		return r.a.wrap(ctx, "TYPE", err)
	}
	for j, i := range idx {
		if t, err := cmds[j].Result(); err == nil && t != "none" && t != "string" {
			r.fail(i, r.a.fail(ctx, "MGET", r.keys[i], fmt.Errorf("%w (the key holds a %s)", errWrongType, t)))
		}
	}
	return nil
}

// errWrongType is what GetMany reports for a key holding another type than a
// string: the words of Redis' own reply to a GET of it.
var errWrongType = errors.New("WRONGTYPE Operation against a key holding the wrong kind of value")

// isReply reports whether err is a reply about one command (WRONGTYPE, NOPERM,
// ...) rather than a failure of the connection or the server: the other commands
// of the batch still have their own answers.
func isReply(err error) bool {
	var reply goredis.Error
	return errors.Is(err, goredis.Nil) || (errors.As(err, &reply) && !connectionClass(err))
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

// remove deletes the distinct prefixed keys and returns how many existed (with
// grace: how many were logically alive).
func (a *Adapter) remove(ctx context.Context, full []string) (int64, error) {
	groups := a.groups(full)
	if groups == nil {
		groups = singles(len(full))
	}
	var now int64
	if a.grace > 0 {
		now = a.nowMS()
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
