//go:build race

package strata_test

// raceEnabled: the race detector is on, and sync.Pool drops items at random, so
// allocation counts vary from run to run.
const raceEnabled = true
