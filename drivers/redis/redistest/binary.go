package redistest

import (
	"errors"
	"os"
	"os/exec"
)

// errNoRedisServer is the message users see when redis-server is missing. It
// says how to fix it rather than just what is wrong.
var errNoRedisServer = errors.New("redis-server not found: install it with `sudo apt-get install -y redis-server` (Debian/Ubuntu), or set " + EnvURL)

// errNoRedisServerWithEnv is the message when redis-server is missing although
// STRATA_TEST_REDIS_URL is set: the test needs servers of its own, which that one
// server cannot stand in for, so setting the variable is no advice.
var errNoRedisServerWithEnv = errors.New("redis-server not found: this test starts Redis servers of its own " +
	"(a Cluster, a Sentinel set-up, or a server it stops, pauses or configures), which the one server in " + EnvURL +
	" cannot stand in for: install redis-server with `sudo apt-get install -y redis-server` (Debian/Ubuntu)")

// redisServerPath finds redis-server on PATH on every call, so a test binary
// that changes PATH (t.Setenv) sees the change.
func redisServerPath() (string, error) {
	p, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv(EnvURL) != "" {
			return "", errNoRedisServerWithEnv
		}
		return "", errNoRedisServer
	}
	return p, nil
}
