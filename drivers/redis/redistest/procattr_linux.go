//go:build linux

package redistest

import "syscall"

// procAttr makes the kernel SIGKILL the server when the test process dies,
// even by SIGKILL or a crash that skips Cleanup, so no orphaned redis-server
// keeps a port. Pdeathsig fires when the thread that forked exits; Go does
// not end idle threads, so in practice that is the process exiting.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
