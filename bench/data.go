package bench

import (
	"fmt"
	"math/rand"
	"time"
)

// TTL is the time to live every subject stores values with: Strata's default.
const TTL = 5 * time.Minute

// Sizes of the values the workloads store.
const (
	Small = 100      // 100 B
	Large = 10 << 10 // 10 KiB
)

// SizeName names a value size in benchmark names: 100B, 10KiB.
func SizeName(n int) string {
	if n >= 1<<10 && n%(1<<10) == 0 {
		return fmt.Sprintf("%dKiB", n>>10)
	}
	return fmt.Sprintf("%dB", n)
}

// Value returns a fresh value of n bytes with printable, size-specific content.
func Value(n int) []byte {
	v := make([]byte, n)
	for i := range v {
		v[i] = byte('a' + (i+n)%26)
	}
	return v
}

// Item is the small struct the typed benchmarks store (about 100 bytes in
// msgpack).
type Item struct {
	ID      int64    `msgpack:"id" json:"id"`
	Name    string   `msgpack:"name" json:"name"`
	Email   string   `msgpack:"email" json:"email"`
	Tags    []string `msgpack:"tags" json:"tags"`
	Score   float64  `msgpack:"score" json:"score"`
	Created int64    `msgpack:"created" json:"created"`
	Active  bool     `msgpack:"active" json:"active"`
}

// SampleItem is the value the typed benchmarks store.
func SampleItem() Item {
	return Item{
		ID:      4242,
		Name:    "Ada Lovelace",
		Email:   "ada@example.org",
		Tags:    []string{"admin", "beta", "eu-west"},
		Score:   97.5,
		Created: 1700000000,
		Active:  true,
	}
}

// The Zipf workload: ZipfKeys keys, drawn with exponent ZipfS.
const (
	ZipfKeys = 100_000
	ZipfS    = 1.01
	// zipfTable is how many precomputed draws the workload cycles through: a
	// draw per operation would cost as much as a memory-cache hit.
	zipfTable = 1 << 18
)

// ZipfKey returns the name of key i of the Zipf key space.
func ZipfKey(i int) string { return fmt.Sprintf("z:%06d", i) }

var (
	zipfKeys  []string
	zipfDraws []int32
)

// ZipfKeyList returns the Zipf key space (built once).
func ZipfKeyList() []string {
	if zipfKeys == nil {
		ks := make([]string, ZipfKeys)
		for i := range ks {
			ks[i] = ZipfKey(i)
		}
		zipfKeys = ks
	}
	return zipfKeys
}

// ZipfDraw returns the key index of operation i: a fixed, seeded sequence of
// Zipf(1.01) draws over ZipfKeys keys, so every subject sees the same accesses.
func ZipfDraw(i int) int {
	if zipfDraws == nil {
		initZipf()
	}
	return int(zipfDraws[i&(zipfTable-1)])
}

func initZipf() {
	r := rand.New(rand.NewSource(1))
	z := rand.NewZipf(r, ZipfS, 1, ZipfKeys-1)
	d := make([]int32, zipfTable)
	for i := range d {
		d[i] = int32(z.Uint64())
	}
	zipfDraws = d
}

// ZipfWrite reports whether operation i of the mixed workload is a write: one
// in ten.
func ZipfWrite(i int) bool { return i%10 == 9 }

// BatchKeys is the key set of the GetMany workload: n keys.
func BatchKeys(n int) []string {
	ks := make([]string, n)
	for i := range ks {
		ks[i] = fmt.Sprintf("m:%03d", i)
	}
	return ks
}

// The Redis workload's working set: RedisKeys keys of Small bytes, read and
// written spread over all of them (RedisSpread), and one hot key.
const (
	RedisKeys   = 10_000
	RedisHotKey = "r:hot"
	// redisStride is coprime with RedisKeys: consecutive operations touch
	// different keys and every key is touched once per RedisKeys operations.
	redisStride = 7919
)

var redisKeys []string

// RedisKeyList returns the Redis workload's working set (built once).
func RedisKeyList() []string {
	if redisKeys == nil {
		ks := make([]string, RedisKeys)
		for i := range ks {
			ks[i] = fmt.Sprintf("r:%05d", i)
		}
		redisKeys = ks
	}
	return redisKeys
}

// RedisSpread returns the index of operation i's key in a key set of n keys:
// a fixed permutation, the same for every subject, so that no key is hot.
func RedisSpread(i, n int) int {
	if n <= 1 {
		return 0
	}
	return (i % n) * redisStride % n
}
