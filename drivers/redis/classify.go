package redis

import (
	"errors"
	"io"
	"net"
	"strings"
	"syscall"

	goredis "github.com/redis/go-redis/v9"
)

// unavailableReplies are the error replies by which a live server says it cannot
// serve anyone right now, rather than answering the request: the call may succeed
// later or on another node, so they count as an outage like a dead connection.
var unavailableReplies = [...]string{
	"LOADING ",     // the server is loading its dataset
	"MASTERDOWN ",  // a replica lost its master (replica-serve-stale-data no)
	"CLUSTERDOWN ", // the cluster cannot serve this slot
	"READONLY ",    // a write reached a replica: a failover is under way
	"BUSY ",        // a script or function is running too long
	"TRYAGAIN ",    // a slot is migrating
}

// connectionClass reports whether err means the server could not be reached or
// could not serve at all (see adapter.ErrUnavailable), as opposed to a reply about
// the request. The caller's own ctx ending is decided before this is asked.
func connectionClass(err error) bool {
	var reply goredis.Error
	if errors.As(err, &reply) {
		msg := reply.Error()
		for _, p := range unavailableReplies {
			if strings.HasPrefix(msg, p) {
				return true
			}
		}
		return false
	}
	if errors.Is(err, goredis.ErrPoolTimeout) || errors.Is(err, goredis.ErrPoolExhausted) {
		return true
	}
	if dropped(err) || errors.Is(err, net.ErrClosed) || errors.Is(err, syscall.ECONNREFUSED) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) // dial failures, timeouts, unreachable hosts
}

// dropped reports whether err says the server closed the connection.
func dropped(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNABORTED)
}
