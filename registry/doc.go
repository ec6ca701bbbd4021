// Package registry selects a cache backend by URL, the way database/sql selects a
// driver by name. Drivers register a Factory for their scheme from init; applications
// import github.com/stratacache/strata/drivers/all (or single drivers) and call Open,
// OpenCache or OpenConfig with a URL from their configuration:
//
//	memory://?max_cost=64MiB&grace=30s
//	redis://user:pass@host:6379/0?prefix=app:&grace=30s
//	layered://?l1=memory%3A%2F%2F&l2=redis%3A%2F%2Fhost%3A6379%2F0
//
// Unknown schemes and unknown query parameters are errors, and passwords never appear
// in errors or logs.
package registry
