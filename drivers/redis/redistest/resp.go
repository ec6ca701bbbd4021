package redistest

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"
)

// This file is a deliberately tiny RESP2 client. The package talks to the
// servers it starts only for administration (PING, INFO, CLUSTER, SENTINEL),
// and keeping go-redis out of the non-test code keeps the import rules of the
// module simple and lets readiness checks run before any client library would
// be happy (for example while a cluster has no slots yet).

// respError is an error reply ("-ERR ...") from the server.
type respError string

func (e respError) Error() string { return string(e) }

// respConn is one connection to a server we started.
type respConn struct {
	c       net.Conn
	r       *bufio.Reader
	timeout time.Duration
}

// dialInfo says how to reach and authenticate to one of our servers.
type dialInfo struct {
	addr     string
	tls      *tls.Config // nil: plaintext
	password string      // "" : no AUTH
}

// dialRESP connects and authenticates. Every I/O is bounded by timeout so a
// paused (SIGSTOP) server cannot hang the caller.
func dialRESP(ctx context.Context, info dialInfo, timeout time.Duration) (*respConn, error) {
	d := net.Dialer{Timeout: timeout}
	var c net.Conn
	var err error
	if info.tls != nil {
		td := tls.Dialer{NetDialer: &d, Config: info.tls}
		c, err = td.DialContext(ctx, "tcp", info.addr)
	} else {
		c, err = d.DialContext(ctx, "tcp", info.addr)
	}
	if err != nil {
		return nil, err
	}
	rc := &respConn{c: c, r: bufio.NewReader(c), timeout: timeout}
	if info.password != "" {
		if _, err := rc.do(ctx, "AUTH", info.password); err != nil {
			c.Close()
			// Never echo the password: the reply does not contain it, but
			// say which step failed.
			return nil, fmt.Errorf("AUTH: %w", err)
		}
	}
	return rc, nil
}

func (rc *respConn) Close() error { return rc.c.Close() }

// do sends one command and reads its reply: string (simple or bulk), int64,
// nil (null), []any, or a respError returned as the error.
func (rc *respConn) do(ctx context.Context, args ...string) (any, error) {
	deadline := time.Now().Add(rc.timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	if err := rc.c.SetDeadline(deadline); err != nil {
		return nil, err
	}
	// A cancelled ctx (e.g. the process we wait for has exited) unblocks
	// the read at once instead of after the timeout.
	stop := context.AfterFunc(ctx, func() { rc.c.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	buf := make([]byte, 0, 64)
	buf = append(buf, '*')
	buf = strconv.AppendInt(buf, int64(len(args)), 10)
	buf = append(buf, '\r', '\n')
	for _, a := range args {
		buf = append(buf, '$')
		buf = strconv.AppendInt(buf, int64(len(a)), 10)
		buf = append(buf, '\r', '\n')
		buf = append(buf, a...)
		buf = append(buf, '\r', '\n')
	}
	if _, err := rc.c.Write(buf); err != nil {
		return nil, err
	}
	return rc.read()
}

// doString is do for commands whose reply is a string.
func (rc *respConn) doString(ctx context.Context, args ...string) (string, error) {
	v, err := rc.do(ctx, args...)
	if err != nil {
		return "", err
	}
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("%s: unexpected reply %T", args[0], v)
	}
	return s, nil
}

func (rc *respConn) read() (any, error) {
	line, err := rc.r.ReadString('\n')
	if err != nil {
		return nil, err
	}
	if len(line) < 3 || line[len(line)-2] != '\r' {
		return nil, fmt.Errorf("malformed reply %q", line)
	}
	kind, body := line[0], line[1:len(line)-2]
	switch kind {
	case '+':
		return body, nil
	case '-':
		return nil, respError(body)
	case ':':
		return strconv.ParseInt(body, 10, 64)
	case '$':
		n, err := strconv.Atoi(body)
		if err != nil {
			return nil, err
		}
		if n < 0 {
			return nil, nil
		}
		b := make([]byte, n+2)
		if _, err := io.ReadFull(rc.r, b); err != nil {
			return nil, err
		}
		return string(b[:n]), nil
	case '*':
		n, err := strconv.Atoi(body)
		if err != nil {
			return nil, err
		}
		if n < 0 {
			return nil, nil
		}
		out := make([]any, n)
		for i := range out {
			// An error inside an array (MULTI/EXEC) is kept as a value.
			v, err := rc.read()
			var re respError
			if errors.As(err, &re) {
				v, err = re, nil
			}
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	}
	return nil, fmt.Errorf("unknown reply type %q", kind)
}

// respDo dials, runs one command and closes: the admin paths are rare enough
// that connection reuse would only add state.
func respDo(ctx context.Context, info dialInfo, args ...string) (any, error) {
	rc, err := dialRESP(ctx, info, 2*time.Second)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return rc.do(ctx, args...)
}

// respString is respDo for string replies.
func respString(ctx context.Context, info dialInfo, args ...string) (string, error) {
	rc, err := dialRESP(ctx, info, 2*time.Second)
	if err != nil {
		return "", err
	}
	defer rc.Close()
	return rc.doString(ctx, args...)
}

// infoField returns the value of "field:value" in an INFO reply, or "".
func infoField(info, field string) string {
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimRight(line, "\r"), field+":"); ok {
			return v
		}
	}
	return ""
}
