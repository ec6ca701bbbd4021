//go:build !linux

package redistest

import "syscall"

// procAttr has no parent-death signal outside Linux: servers of a crashed
// test process may outlive it there; Cleanup still stops them normally.
func procAttr() *syscall.SysProcAttr { return nil }
