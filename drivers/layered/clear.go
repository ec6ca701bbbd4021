package layered

import (
	"context"

	"github.com/stratacache/strata/adapter"
)

// clearL1 drops the keys that start with prefix from L1 ("" empties it) and bumps
// gen with every stripe locked, as flushL1 does, so that no back-fill or write-back
// that started before the clear stores a cleared key afterwards.
func (a *Adapter) clearL1(prefix string) {
	if prefix == "" {
		a.flushL1(true, nil, nil)
		return
	}
	a.lockAll()
	defer a.unlockAll()
	if a.closed.Load() {
		return
	}
	a.gen.Add(1)
	if a.l1c.Clear(context.Background(), prefix) != nil {
		_ = a.l1c.Clear(context.Background(), "") // L1 must not keep what L2 lost
	}
}

// clearMessage returns the keys Clear publishes so that other processes drop the
// keys starting with prefix from their L1.
//
// A clear of everything is clearAllKey alone, as it always was. A clear of a prefix
// is clearPrefixKey+prefix followed by clearAllKey: a process that knows
// clearPrefixKey drops the prefix's keys and skips the clearAllKey that follows it,
// while one of an older version, which does not, takes the first key for an ordinary
// key and empties its whole L1 on the second, so it never keeps serving a cleared key
// either. A message that cannot be a key (too long) is replaced by clearAllKey alone.
// Re-publishing after a failure also sends clearAllKey alone (addRepairLocked turns
// the pair into it), which is never wrong, only broader.
func clearMessage(prefix string) []string {
	marker := clearPrefixKey + prefix
	if prefix == "" || len(marker) > adapter.MaxKeyLen {
		return []string{clearAllKey}
	}
	return []string{marker, clearAllKey}
}
