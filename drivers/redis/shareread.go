package redis

import (
	"strings"

	goredis "github.com/redis/go-redis/v9"
)

// Shared reads in a batch.
//
// A hot key read by many goroutines at once puts many identical GETs (or GET+PTTL
// pairs: layered's L2 reads) in one batch, and a stampede on one cold key a
// thousand of them. Redis would run each and the client parse each reply; instead
// a batch sends the first and gives its reply to the others. They are answered
// exactly as if sent: Redis runs a batch's commands in order, so reads of a key
// with no write of that key between them in the batch cannot tell one reply from
// another. Any other queued command on a key (SET, GETEX, UNLINK; PUBLISH too,
// whose channel is compared as a key: needlessly, never wrongly) ends the sharing
// of the reads before it.

// readKey names a shareable read: a GET of key, or the GET+PTTL pair.
type readKey struct {
	key  string
	pair bool
}

// sharedRead returns the key q reads, and whether q is a read that can share
// another's reply (see above); for any other command, the key it names (args[1]),
// if any.
func sharedRead(q *queued) (readKey, bool) {
	args := q.cmd.Args()
	if len(args) < 2 {
		return readKey{}, false
	}
	key, ok := args[1].(string)
	if !ok {
		return readKey{}, false
	}
	if args[0] != "get" || len(args) != 2 {
		return readKey{key: key}, false
	}
	if q.cmd2 == nil {
		return readKey{key: key}, true
	}
	if a2 := q.cmd2.Args(); len(a2) == 2 && a2[0] == "pttl" && a2[1] == key {
		return readKey{key: key, pair: true}, true
	}
	return readKey{key: key}, false
}

// shareReads marks each live read of batch that repeats an earlier one (same
// key, same shape, no other command on the key in between) with that read as its
// leader, which alone is sent. leaders is a scratch map, left empty.
func shareReads(batch []*queued, leaders map[readKey]*queued) {
	for _, q := range batch {
		if q.state.Load() != taken {
			continue
		}
		rk, read := sharedRead(q)
		if !read {
			if rk.key != "" {
				delete(leaders, readKey{key: rk.key})
				delete(leaders, readKey{key: rk.key, pair: true})
			}
			continue
		}
		if l, ok := leaders[rk]; ok {
			q.leader = l
		} else {
			leaders[rk] = q
		}
	}
	clear(leaders)
}

// copyReply gives follower's commands the replies of its leader's.
func copyReply(follower *queued) {
	l := follower.leader
	copyCmd(follower.cmd, l.cmd)
	if follower.cmd2 != nil {
		copyCmd(follower.cmd2, l.cmd2)
	}
}

// copyCmd sets dst's reply to src's. Both are of the type sharedRead allows.
func copyCmd(dst, src goredis.Cmder) {
	switch d := dst.(type) {
	case *goredis.StringCmd:
		s := src.(*goredis.StringCmd)
		// A copy: StringCmd.Bytes returns the string's own memory, which the
		// adapter hands to its caller as the caller's own.
		d.SetVal(strings.Clone(s.Val()))
		d.SetErr(s.Err())
	case *goredis.IntCmd:
		s := src.(*goredis.IntCmd)
		d.SetVal(s.Val())
		d.SetErr(s.Err())
	}
}
