// Package layout holds the test that keeps Strata's dependency rules: only the driver
// that needs a backend library imports it, so users of one driver never compile the
// others' dependencies.
package layout
