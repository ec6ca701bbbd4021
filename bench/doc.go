// Package bench compares Strata with peer libraries: raw go-redis (plain and
// auto-pipelined), rueidis (plain and client-side caching), go-redis/cache,
// eko/gocache, raw ristretto and otter.
//
// It is a nested module (its own go.mod) so that the peers never enter the main
// module's dependencies. Every library is wrapped as a Subject (bytes values) or
// a typed Subject (the Item struct, msgpack-encoded where the library encodes);
// the benchmarks in bench_test.go run the same workloads over every subject
// against one throwaway redis-server that the test binary starts on a free
// loopback port (see Env) and stops when it ends, is interrupted or panics.
//
// Run it with `make bench` from the repository root (or ./run.sh here), which
// runs several rounds and writes RESULTS.md with cmd/report. See README.md.
package bench
