package bench

import "time"

func timeNS(n int) time.Duration { return time.Duration(n) }
