package redis

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/stratacache/strata/adapter"
)

// The grace header, written in front of every value when Options.Grace > 0:
//
//	byte 0     graceMagic (0xA7): format and version of the header
//	bytes 1..8 the logical expiry, in Unix milliseconds, big-endian; 0 = never
//	bytes 9..  the bytes the codec produced, unchanged
//
// In Redis the key lives until expiry + grace, so UpdateTimeout can still find it
// and revive it after the logical expiry; Get and GetMany compare the expiry with the
// local clock and report a miss once it has passed.
const (
	graceMagic     byte = 0xA7
	graceHeaderLen      = 9
)

// errNoHeader explains a value without a grace header met by an adapter with grace.
var errNoHeader = fmt.Errorf("%w: strata/redis: the stored value has no Strata grace header "+
	"(it was written by another program, or by an adapter without grace=): "+
	"every adapter sharing keys must use the same grace setting", adapter.ErrCodec)

// encodeHeader writes the grace header for expiry (Unix ms, 0 = none) into h.
func encodeHeader(h []byte, expiry int64) {
	h[0] = graceMagic
	binary.BigEndian.PutUint64(h[1:graceHeaderLen], uint64(expiry))
}

// withHeader returns value preceded by a grace header for expiry.
func withHeader(value []byte, expiry int64) []byte {
	b := make([]byte, graceHeaderLen+len(value))
	encodeHeader(b, expiry)
	copy(b[graceHeaderLen:], value)
	return b
}

// parseHeader splits a stored value into its logical expiry and payload.
func parseHeader(b []byte) (expiry int64, payload []byte, ok bool) {
	if len(b) < graceHeaderLen || b[0] != graceMagic {
		return 0, nil, false
	}
	expiry = int64(binary.BigEndian.Uint64(b[1:graceHeaderLen]))
	if expiry < 0 {
		return 0, nil, false
	}
	return expiry, b[graceHeaderLen:], true
}

// ms converts a positive ttl to whole milliseconds, rounding up so that a
// sub-millisecond ttl becomes 1ms rather than "no expiry".
func ms(ttl time.Duration) int64 {
	return int64((ttl + time.Millisecond - 1) / time.Millisecond)
}

// expiryFor returns the logical expiry (Unix ms, 0 = none) of a value stored now
// with ttl, and how long Redis must keep it: ttl + grace, or 0 for no Redis TTL.
func (a *Adapter) expiryFor(now int64, ttl time.Duration) (expiry int64, keep time.Duration) {
	if ttl == adapter.NoExpiration {
		return 0, 0
	}
	t := ms(ttl)
	return now + t, time.Duration(t+a.graceMS) * time.Millisecond
}

// redisTTL is what go-redis's Set and GetEx expect for ttl when grace is 0:
// whole milliseconds, or 0 for none (go-redis reads -1 as KEEPTTL).
func redisTTL(ttl time.Duration) time.Duration {
	if ttl == adapter.NoExpiration {
		return 0
	}
	return time.Duration(ms(ttl)) * time.Millisecond
}

// unwrap checks the grace header of b, read under key at now: it returns the
// payload, a NotFound error past the logical expiry, or an ErrCodec error.
func unwrap(key string, b []byte, now int64) ([]byte, error) {
	expiry, payload, ok := parseHeader(b)
	if !ok {
		return nil, &adapter.KeyError{Key: key, Err: errNoHeader}
	}
	if expiry != 0 && expiry <= now {
		return nil, adapter.NotFound(key)
	}
	return payload, nil
}

// nowMS is the local clock in Unix milliseconds. Grace expiry compares it across
// processes, so their clocks should agree to well within the TTLs used.
var nowMS = func() int64 { return time.Now().UnixMilli() }

// updateScript revives or extends one key under grace, atomically.
//
//	KEYS[1]  the key
//	ARGV[1]  now, Unix ms
//	ARGV[2]  grace, ms
//	ARGV[3]  the new 9-byte header
//	ARGV[4]  the new Redis TTL in ms (ttl + grace), or "0" for none
//
// It returns the payload, nil for a miss (absent, or expired more than grace ago),
// or the integer 0 when the value has no valid header.
var updateScript = goredis.NewScript(`
local v = redis.call('GET', KEYS[1])
if not v then return false end
if #v < 9 or string.byte(v, 1) ~= 167 then return 0 end
local exp = 0
for i = 2, 9 do exp = exp * 256 + string.byte(v, i) end
if exp ~= 0 and exp + tonumber(ARGV[2]) <= tonumber(ARGV[1]) then return false end
redis.call('SETRANGE', KEYS[1], 0, ARGV[3])
if ARGV[4] == '0' then
	redis.call('PERSIST', KEYS[1])
else
	redis.call('PEXPIRE', KEYS[1], ARGV[4])
end
return string.sub(v, 10)
`)

// removeScript deletes KEYS under grace and counts those that were logically
// alive (not past their expiry; values without a header count as alive).
//
//	ARGV[1]  now, Unix ms
var removeScript = goredis.NewScript(`
local now = tonumber(ARGV[1])
local n = 0
for _, k in ipairs(KEYS) do
	local h = redis.call('GETRANGE', k, 0, 8)
	if redis.call('UNLINK', k) == 1 then
		local alive = true
		if #h == 9 and string.byte(h, 1) == 167 then
			local exp = 0
			for i = 2, 9 do exp = exp * 256 + string.byte(h, i) end
			alive = exp == 0 or exp > now
		end
		if alive then n = n + 1 end
	end
end
return n
`)

// updateArgs are updateScript's ARGV for ttl at now.
func (a *Adapter) updateArgs(now int64, ttl time.Duration) []any {
	expiry, keep := a.expiryFor(now, ttl)
	h := make([]byte, graceHeaderLen)
	encodeHeader(h, expiry)
	return []any{now, a.graceMS, h, strconv.FormatInt(int64(keep/time.Millisecond), 10)}
}
