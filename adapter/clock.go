package adapter

import "time"

// Clock tells the time. A driver whose options take one (Options.Clock of
// drivers/memory, drivers/redis and drivers/layered) reads it for its expiry
// decisions instead of the wall clock, so that a test can fake time: any type with
// a Now method will do, and one fake clock given to every layer (and to a server
// such as miniredis) makes keys expire exactly when the test advances it (see
// docs/testing.md). Now must be safe for concurrent use.
type Clock interface {
	Now() time.Time
}
