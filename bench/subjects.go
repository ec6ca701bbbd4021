package bench

// BytesSubjects are the subjects of the []byte workloads, in the order each
// round runs them: Strata, then the peers on Redis, then the in-process ones.
var BytesSubjects = []Factory[[]byte]{
	StrataRedis,
	StrataLayered,
	StrataMemory,
	Goredis,
	GoredisAutoPipeline,
	Rueidis,
	RueidisCache,
	GoredisCache,
	GocacheRedis,
	GocacheChain,
	Ristretto,
	Otter,
	GocacheRistretto,
}

// ViewSubjects read through Cache.View (zero copy over in-process drivers);
// they run in the hot-key Get workload only, sharing their cache with
// strata-memory and strata-layered.
var ViewSubjects = []Factory[[]byte]{StrataMemoryView, StrataLayeredView}

// TypedSubjects are the subjects of the Item workloads.
var TypedSubjects = []Factory[Item]{
	TypedStrataRedis,
	TypedStrataLayered,
	TypedStrataMemory,
	TypedStrataMemoryDecode,
	TypedGoredisCache,
	TypedGocacheRedis,
	TypedGocacheChain,
	TypedGocacheRistretto,
}

// RedisSubjects run the Redis workload (GET, SET and a 90/10 mix at 1 to 256
// goroutines): Strata on Redis, the two clients its targets name, and go-redis'
// own full-duplex auto-pipeliner, a continuously pipelined connection like
// rueidis' (shown, not a target).
var RedisSubjects = []Factory[[]byte]{StrataRedis, Goredis, Rueidis, GoredisFullDuplex}

// StampedeSubjects are the subjects with a read-through call that the
// stampede workload runs (1,000 goroutines on one cold key).
var StampedeSubjects = []Factory[[]byte]{StrataRedis, StrataLayered, StrataMemory, GoredisCache, Otter}

// ClusterSubjects run the GetMany and ClusterGet workloads on the 3-master cluster.
var ClusterSubjects = []Factory[[]byte]{StrataRedisCluster, RueidisCluster}

// MemorySubjects are measured for heap bytes per entry.
var MemorySubjects = []Factory[[]byte]{StrataMemory, Ristretto, Otter, GocacheRistretto}
