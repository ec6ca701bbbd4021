// Package all registers every built-in Strata driver with the registry. Import it for
// its side effect:
//
//	import _ "github.com/stratacache/strata/drivers/all"
//
// Import single drivers instead (e.g. drivers/memory) to compile in only what you use.
package all

import (
	_ "github.com/stratacache/strata/drivers/layered" // layered://
	_ "github.com/stratacache/strata/drivers/memory"  // memory://
	_ "github.com/stratacache/strata/drivers/redis"   // redis://, rediss://, redis+cluster://, redis+sentinel://
)
