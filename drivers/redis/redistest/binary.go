package redistest

import (
	"errors"
	"os/exec"
)

// errNoRedisServer is the message users see when redis-server is missing. It
// says how to fix it rather than just what is wrong.
var errNoRedisServer = errors.New("redis-server not found: install it with `sudo apt-get install -y redis-server` (Debian/Ubuntu), or set " + EnvURL)

// redisServerPath finds redis-server on PATH on every call, so a test binary
// that changes PATH (t.Setenv) sees the change.
func redisServerPath() (string, error) {
	p, err := exec.LookPath("redis-server")
	if err != nil {
		return "", errNoRedisServer
	}
	return p, nil
}
