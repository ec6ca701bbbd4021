package redis

import (
	"encoding/binary"
	"fmt"
	"math"
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
// sub-millisecond ttl becomes 1ms rather than "no expiry". It cannot overflow:
// math.MaxInt64 nanoseconds is 9223372036855 ms (adding 1ms-1ns first, as a
// plain ceiling division would, wraps negative near math.MaxInt64).
func ms(ttl time.Duration) int64 {
	t := int64(ttl / time.Millisecond)
	if ttl%time.Millisecond > 0 {
		t++
	}
	return t
}

// maxRedisTTL is the longest Redis TTL (PX, PEXPIRE, GETEX PX) in milliseconds the
// adapter sends. Redis adds a TTL to its clock in Unix ms and refuses a sum that
// overflows int64 ("ERR invalid expire time"; redis 7.0 accepts PX
// math.MaxInt64-now and refuses PX math.MaxInt64). 2^62 ms leaves room for any
// server clock. A time.Duration plus grace is at most about 1.8e13 ms, so no TTL
// reaches it today; a longer one would be stored without expiry (TTLs beyond a
// backend's range saturate to no expiry).
const maxRedisTTL = 1 << 62

// expiryFor returns, for a value stored at now (Unix ms) with ttl, the logical
// expiry its grace header carries (Unix ms, 0 = none; always 0 without grace)
// and the Redis TTL in milliseconds (ttl + grace; 0 = none). It saturates
// instead of overflowing: beyond Redis' range both mean no expiry.
func (a *Adapter) expiryFor(now int64, ttl time.Duration) (expiry, keepMS int64) {
	if ttl == adapter.NoExpiration {
		return 0, 0
	}
	t := ms(ttl)
	keepMS = t + a.graceMS // each at most 9223372036855: no overflow
	if keepMS > maxRedisTTL || now > math.MaxInt64-t {
		return 0, 0
	}
	if a.grace > 0 {
		expiry = now + t
	}
	return expiry, keepMS
}

// durationMS converts a remaining time to live in milliseconds to a Duration,
// saturating at the longest Duration (about 292 years) instead of wrapping
// negative.
func durationMS(n int64) time.Duration {
	if n > math.MaxInt64/int64(time.Millisecond) {
		return math.MaxInt64
	}
	return time.Duration(n) * time.Millisecond
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

// nowMS is the adapter's clock (Options.Clock, or the local wall clock) in Unix
// milliseconds: every expiry decision the adapter makes itself reads it. Grace
// expiry compares it across processes, so their clocks should agree to well within
// the TTLs used.
func (a *Adapter) nowMS() int64 {
	if a.clock != nil {
		return a.clock.Now().UnixMilli()
	}
	return time.Now().UnixMilli()
}

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
	expiry, keepMS := a.expiryFor(now, ttl)
	h := make([]byte, graceHeaderLen)
	encodeHeader(h, expiry)
	return []any{now, a.graceMS, h, strconv.FormatInt(keepMS, 10)}
}
