package redistest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// clusterNode is one line of CLUSTER NODES:
// <id> <ip:port@cport[,hostname]> <flags> <master> <ping> <pong> <epoch> <link> <slot>...
type clusterNode struct {
	id, addr, master string
	flags            []string
	slots            [][2]int
}

func (n *clusterNode) has(flag string) bool { return slices.Contains(n.flags, flag) }

// clusterView is one node's opinion of the cluster.
type clusterView struct {
	byID   map[string]*clusterNode
	byAddr map[string]*clusterNode
}

func clusterNodes(ctx context.Context, s *Server) (*clusterView, error) {
	text, err := respString(ctx, s.admin, "CLUSTER", "NODES")
	if err != nil {
		return nil, fmt.Errorf("%s: CLUSTER NODES: %w", s.Addr(), err)
	}
	v := &clusterView{byID: map[string]*clusterNode{}, byAddr: map[string]*clusterNode{}}
	for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
		f := strings.Fields(line)
		if len(f) < 8 {
			continue
		}
		addr, _, _ := strings.Cut(f[1], "@")
		n := &clusterNode{id: f[0], addr: addr, master: f[3], flags: strings.Split(f[2], ",")}
		for _, s := range f[8:] {
			if strings.HasPrefix(s, "[") { // a slot being migrated
				continue
			}
			loS, hiS, isRange := strings.Cut(s, "-")
			if !isRange {
				hiS = loS
			}
			lo, err1 := strconv.Atoi(loS)
			hi, err2 := strconv.Atoi(hiS)
			if err1 == nil && err2 == nil {
				n.slots = append(n.slots, [2]int{lo, hi})
			}
		}
		v.byID[n.id] = n
		v.byAddr[n.addr] = n
	}
	return v, nil
}

// signature describes the layout as this node sees it, restricted to live
// nodes, so that views can be compared: slot ranges with their owners, then
// each live node's role. It fails when a slot is unowned, owned by a node
// that is not live, or a live node looks unhealthy.
func (v *clusterView) signature(live map[string]bool) (string, error) {
	var lines []string
	covered := 0
	for _, n := range v.byID {
		if len(n.slots) == 0 {
			continue
		}
		if !live[n.addr] {
			return "", fmt.Errorf("slots %v are owned by %s, which is not running", n.slots, n.addr)
		}
		for _, r := range n.slots {
			covered += r[1] - r[0] + 1
			lines = append(lines, fmt.Sprintf("slots %05d-%05d %s", r[0], r[1], n.addr))
		}
	}
	if covered != slotCount {
		return "", fmt.Errorf("%d of %d slots covered", covered, slotCount)
	}
	for addr := range live {
		n := v.byAddr[addr]
		if n == nil {
			return "", fmt.Errorf("%s is unknown", addr)
		}
		for _, bad := range []string{"fail", "fail?", "handshake", "noaddr"} {
			if n.has(bad) {
				return "", fmt.Errorf("%s is flagged %s", addr, bad)
			}
		}
		if n.has("slave") {
			m := v.byID[n.master]
			if m == nil {
				return "", fmt.Errorf("%s replicates unknown node %s", addr, n.master)
			}
			lines = append(lines, fmt.Sprintf("node %s replica of %s", addr, m.addr))
		} else {
			lines = append(lines, fmt.Sprintf("node %s master", addr))
		}
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n"), nil
}

// allKnown checks that every node lists every other with a completed
// handshake.
func (c *Cluster) allKnown(ctx context.Context) error {
	for _, n := range c.nodes {
		view, err := clusterNodes(ctx, n)
		if err != nil {
			return err
		}
		for _, m := range c.nodes {
			e, ok := view.byAddr[m.Addr()]
			if !ok || e.has("handshake") || e.has("noaddr") {
				return fmt.Errorf("%s does not know %s yet", n.Addr(), m.Addr())
			}
		}
	}
	return nil
}

// WaitReady waits until the cluster serves every slot from live nodes:
// every running, unpaused node reports cluster_state:ok, sees every other
// live node as healthy, and all agree on who owns each slot and who
// replicates whom; replicas have their replication link up. Use it after
// injecting a fault, e.g. to wait for a replica to take over from a killed
// master, or for a restarted node to rejoin.
func (c *Cluster) WaitReady(ctx context.Context) error {
	return poll(ctx, func() error { return c.ready(ctx) })
}

func (c *Cluster) ready(ctx context.Context) error {
	live := map[string]bool{}
	for _, n := range c.nodes {
		if n.live() {
			live[n.Addr()] = true
		}
	}
	var want string
	for _, n := range c.nodes {
		if !live[n.Addr()] {
			continue
		}
		info, err := respString(ctx, n.admin, "CLUSTER", "INFO")
		if err != nil {
			return fmt.Errorf("%s: CLUSTER INFO: %w", n.Addr(), err)
		}
		if st := infoField(info, "cluster_state"); st != "ok" {
			return fmt.Errorf("%s: cluster_state:%s", n.Addr(), st)
		}
		view, err := clusterNodes(ctx, n)
		if err != nil {
			return err
		}
		sig, err := view.signature(live)
		if err != nil {
			return fmt.Errorf("%s: %w", n.Addr(), err)
		}
		if want == "" {
			want = sig
		} else if sig != want {
			return fmt.Errorf("nodes disagree on the cluster layout:\n%s\nvs %s:\n%s", want, n.Addr(), sig)
		}
		if me := view.byAddr[n.Addr()]; me != nil && me.has("slave") {
			repl, err := respString(ctx, n.admin, "INFO", "replication")
			if err != nil {
				return fmt.Errorf("%s: INFO replication: %w", n.Addr(), err)
			}
			if st := infoField(repl, "master_link_status"); st != "up" {
				return fmt.Errorf("%s: replication link %s", n.Addr(), st)
			}
		}
	}
	if want == "" {
		return errors.New("no live nodes")
	}
	return nil
}
