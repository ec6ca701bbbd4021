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

// ClusterSubjects run the GetMany workload on the 3-master cluster.
var ClusterSubjects = []Factory[[]byte]{StrataRedisCluster, RueidisCluster}

// MemorySubjects are measured for heap bytes per entry.
var MemorySubjects = []Factory[[]byte]{StrataMemory, Ristretto, Otter, GocacheRistretto}
