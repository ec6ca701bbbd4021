//go:build !unix

package redistest

import "os"

// Without job control Pause and Resume fail; Stop falls back to Kill.
var (
	sigPause  os.Signal
	sigResume os.Signal
	sigTerm   os.Signal = os.Kill
)
