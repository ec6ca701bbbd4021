//go:build unix

package redistest

import (
	"os"
	"syscall"
)

// Pause and Resume use job-control signals: a stopped process keeps its
// sockets open but answers nothing, which is what a hung server looks like.
var (
	sigPause  os.Signal = syscall.SIGSTOP
	sigResume os.Signal = syscall.SIGCONT
	sigTerm   os.Signal = syscall.SIGTERM
)
