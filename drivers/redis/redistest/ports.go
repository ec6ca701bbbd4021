package redistest

import (
	"fmt"
	"net"
)

// pickPorts is freePorts, replaceable by tests that need a port collision.
var pickPorts = freePorts

// freePorts asks the kernel for n distinct free loopback ports. Each is
// released before redis-server binds it, so another process can take it in
// between; callers retry when the server's log says "Address already in
// use". All listeners are held until the end so the kernel cannot hand the
// same port out twice.
func freePorts(n int) ([]int, error) {
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("find a free port: %w", err)
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}
