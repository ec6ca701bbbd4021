//go:build !race

package strata_test

// raceEnabled: the race detector is off (see observe_race_test.go).
const raceEnabled = false
