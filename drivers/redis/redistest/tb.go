package redistest

// TB is the part of testing.TB this package needs. *testing.T, *testing.B,
// testing.TB and Ginkgo's GinkgoT() all satisfy it, so the same helpers serve
// plain go test and Ginkgo suites.
//
// Helpers call Fatalf when a server cannot be started (never Skip: a missing
// redis-server must not let a test suite pass silently) and register the
// stop with Cleanup.
type TB interface {
	Helper()
	Logf(format string, args ...any)
	Fatalf(format string, args ...any)
	Cleanup(func())
}

// failedReporter is implemented by testing.TB and GinkgoT(); when present we
// print server logs of failed tests, which is what one needs to debug them.
type failedReporter interface{ Failed() bool }

func testFailed(t TB) bool {
	f, ok := t.(failedReporter)
	return ok && f.Failed()
}
