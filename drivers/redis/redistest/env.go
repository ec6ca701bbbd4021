package redistest

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// EnvURL names the environment variable that points tests at an existing
// Redis instead of throwaway servers, e.g.
//
//	STRATA_TEST_REDIS_URL=redis://:secret@10.0.0.5:6379/15 go test ./...
//
// That server is shared (with other test runs, maybe with people), so tests
// using it must confine themselves to the key prefix ServerURL returns; it is
// never flushed.
const EnvURL = "STRATA_TEST_REDIS_URL"

// ServerURL returns a Redis URL for a test, and a key prefix the test must
// put in front of every key it writes (e.g. via strata.Options.Prefix).
//
// When STRATA_TEST_REDIS_URL is set, it returns that URL unchanged and a
// fresh random prefix such as "strata-test:3f9c2a71d4e8b605:"; at the end of
// the test the keys under that prefix are removed (SCAN + UNLINK), and
// nothing else is touched — no FLUSHDB, no FLUSHALL. Otherwise it starts a
// throwaway server with StartServer and returns its URL, still with a random
// prefix so tests behave the same in both modes.
func ServerURL(t TB) (serverURL, prefix string) {
	t.Helper()
	prefix = RandomPrefix()
	if env := os.Getenv(EnvURL); env != "" {
		t.Cleanup(func() {
			n, err := deletePrefix(env, prefix)
			if err != nil {
				t.Logf("redistest: could not remove test keys %s* from %s: %v", prefix, EnvURL, err)
				return
			}
			if n > 0 {
				t.Logf("redistest: removed %d test keys %s* from %s", n, prefix, EnvURL)
			}
		})
		return env, prefix
	}
	return StartServer(t, nil).URL(), prefix
}

// RandomPrefix returns "strata-test:<16 hex digits>:", a key prefix no
// other test will use. It contains no glob characters, so it is safe in
// SCAN MATCH. The first 8 digits are the same for every prefix of one test
// process (its run, random) and the other 8 count, so that RemoveTestKeys can
// find every key the process wrote under any of them with one SCAN.
func RandomPrefix() string {
	return fmt.Sprintf("%s%08x:", runPrefix, prefixes.Add(1))
}

// runPrefix starts every prefix RandomPrefix returns in this process:
// "strata-test:" and 8 random hex digits.
var runPrefix = func() string {
	var b [4]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return "strata-test:" + hex.EncodeToString(b[:])
}()

// prefixes counts the prefixes RandomPrefix returned.
var prefixes atomic.Uint32

// RemoveTestKeys removes, from the server STRATA_TEST_REDIS_URL names, every
// key under a prefix RandomPrefix returned in this process, with SCAN MATCH
// and UNLINK; nothing else is touched (no FLUSHDB, no FLUSHALL). It returns
// how many keys it removed, and does nothing when the variable is not set.
//
// Tests that share one server through Shared write under RandomPrefix
// prefixes and leave the keys for the end of the run: Shared.Close calls
// RemoveTestKeys, so a TestMain that closes its Shared leaves nothing behind.
// A TestMain that uses STRATA_TEST_REDIS_URL without Shared calls it after
// m.Run. (ServerURL removes each test's keys when the test ends.) Keys of a
// process killed before that stay under "strata-test:".
func RemoveTestKeys() (int, error) {
	env := os.Getenv(EnvURL)
	if env == "" {
		return 0, nil
	}
	n, err := deletePrefix(env, runPrefix)
	if err != nil {
		return n, fmt.Errorf("redistest: removing this run's test keys %s* from the server in %s: %w", runPrefix, EnvURL, err)
	}
	return n, nil
}

// deletePrefix removes the keys under prefix from the server at rawURL. Only
// redis:// and rediss:// are understood; a rediss:// server must have a
// certificate the system trusts.
func deletePrefix(rawURL, prefix string) (int, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // url.Error quotes the URL, password and all
		}
		return 0, fmt.Errorf("parse %s: %w", EnvURL, err)
	}
	info := dialInfo{addr: u.Host}
	if u.Port() == "" {
		info.addr = net.JoinHostPort(u.Hostname(), "6379")
	}
	switch u.Scheme {
	case "redis":
	case "rediss":
		info.tls = &tls.Config{ServerName: u.Hostname()}
	default:
		return 0, fmt.Errorf("scheme %q: only redis:// and rediss:// are supported", u.Scheme)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rc, err := dialRESP(ctx, info, 5*time.Second)
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	if pw, ok := u.User.Password(); ok {
		args := []string{"AUTH", pw}
		if name := u.User.Username(); name != "" {
			args = []string{"AUTH", name, pw}
		}
		if _, err := rc.do(ctx, args...); err != nil {
			return 0, fmt.Errorf("AUTH: %w", err)
		}
	}
	if db := strings.Trim(u.Path, "/"); db != "" && db != "0" {
		if _, err := strconv.Atoi(db); err != nil {
			return 0, fmt.Errorf("database %q is not a number", db)
		}
		if _, err := rc.do(ctx, "SELECT", db); err != nil {
			return 0, fmt.Errorf("SELECT: %w", err)
		}
	}
	removed := 0
	cursor := "0"
	for {
		v, err := rc.do(ctx, "SCAN", cursor, "MATCH", prefix+"*", "COUNT", "1000")
		if err != nil {
			return removed, fmt.Errorf("SCAN: %w", err)
		}
		arr, ok := v.([]any)
		if !ok || len(arr) != 2 {
			return removed, fmt.Errorf("SCAN: unexpected reply %v", v)
		}
		cursor, _ = arr[0].(string)
		keys, _ := arr[1].([]any)
		if len(keys) > 0 {
			args := []string{"UNLINK"}
			for _, k := range keys {
				if ks, ok := k.(string); ok {
					args = append(args, ks)
				}
			}
			n, err := rc.do(ctx, args...)
			if err != nil {
				return removed, fmt.Errorf("UNLINK: %w", err)
			}
			if c, ok := n.(int64); ok {
				removed += int(c)
			}
		}
		if cursor == "0" {
			return removed, nil
		}
	}
}
