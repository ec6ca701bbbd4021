package conformance_test

import "context"

func init() {
	brokenCases = append(brokenCases, brokenCase{
		// Clear ignores its prefix and empties the whole adapter, as every driver's
		// Clear did before it took one: a cache clearing its own namespace would
		// clear every other cache on the same backend.
		name: "clear-ignores-prefix",
		breakIt: func(w *wrapper) {
			w.clear = func(ctx context.Context, _ string) error { return w.m.Clear(ctx, "") }
		},
		mustFail: []string{
			"optional capabilities Clearer with a prefix removes the keys that start with the prefix and keeps every other key",
			"optional capabilities Clearer with a prefix matches glob characters in the prefix literally",
			"optional capabilities Clearer with a prefix Cache.Clear removes its own namespace and keeps other caches' keys",
		},
	})
}
