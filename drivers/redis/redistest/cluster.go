package redistest

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// DefaultNodeTimeout is the cluster-node-timeout used when
// ClusterOptions.NodeTimeout is zero. Redis' default is 15s, which makes
// failover tests crawl; 2s lets a replica take over in a few seconds while
// staying clear of false failure detection on a busy CI machine.
const DefaultNodeTimeout = 2 * time.Second

// DefaultClusterTimeout bounds forming a cluster when
// ClusterOptions.StartTimeout is zero.
const DefaultClusterTimeout = 60 * time.Second

// slotCount is the number of hash slots of every Redis Cluster.
const slotCount = 16384

// ClusterOptions configures a Redis Cluster. A nil *ClusterOptions is three
// masters without replicas.
type ClusterOptions struct {
	// Masters is the number of masters sharing the 16384 slots; 0 means 3.
	Masters int
	// ReplicasPerMaster is the number of replicas of each master. 0 keeps
	// the cluster light; use 1 for failover tests.
	ReplicasPerMaster int
	// NodeTimeout is cluster-node-timeout; 0 means DefaultNodeTimeout.
	NodeTimeout time.Duration
	// Password is every node's requirepass and masterauth.
	Password string
	// TLS makes every node speak TLS only, on the client port, the cluster
	// bus and replication (tls-cluster, tls-replication).
	TLS *TLSOptions
	// Config holds extra redis.conf directives for every node, as in
	// Options.
	Config []string
	// StartTimeout bounds forming the whole cluster (each node's own start
	// is bounded by DefaultStartTimeout); 0 means DefaultClusterTimeout.
	StartTimeout time.Duration
}

// Cluster is a Redis Cluster of servers started by this package. Every node
// is a *Server, so faults can be injected into any of them.
type Cluster struct {
	nodes    []*Server // masters first, then replicas
	masters  int
	password string
	tls      bool
}

// StartCluster starts and forms a cluster for the test, waits until every
// node reports cluster_state:ok and all agree on the slot map, and closes it
// when the test ends. It calls t.Fatalf on failure.
func StartCluster(t TB, opts *ClusterOptions) *Cluster {
	t.Helper()
	c, err := NewCluster(opts)
	if err != nil {
		t.Fatalf("%v", err)
	}
	t.Cleanup(func() {
		for _, n := range c.nodes {
			n.cleanup(t)
		}
	})
	return c
}

// NewCluster is StartCluster without a test: the caller must Close the
// cluster.
func NewCluster(opts *ClusterOptions) (*Cluster, error) {
	var o ClusterOptions
	if opts != nil {
		o = *opts
	}
	if o.Masters <= 0 {
		o.Masters = 3
	}
	if o.ReplicasPerMaster < 0 {
		return nil, errors.New("redistest: ReplicasPerMaster must not be negative")
	}
	if o.NodeTimeout <= 0 {
		o.NodeTimeout = DefaultNodeTimeout
	}
	if o.StartTimeout <= 0 {
		o.StartTimeout = DefaultClusterTimeout
	}
	ctx, cancel := context.WithTimeout(context.Background(), o.StartTimeout)
	defer cancel()

	role := []string{
		"cluster-enabled yes",
		"cluster-config-file nodes.conf", // relative to dir: per node
		"cluster-node-timeout " + strconv.FormatInt(o.NodeTimeout.Milliseconds(), 10),
		"cluster-announce-ip 127.0.0.1",
		// Let a replica fail over however stale its data: tests kill
		// masters at arbitrary moments.
		"cluster-replica-validity-factor 0",
	}
	if o.TLS != nil {
		role = append(role, "tls-cluster yes", "tls-replication yes")
	}
	c := &Cluster{masters: o.Masters, password: o.Password, tls: o.TLS != nil}
	total := o.Masters * (1 + o.ReplicasPerMaster)
	for range total {
		s, err := startSpec(spec{
			opts:       Options{Password: o.Password, TLS: o.TLS, Config: o.Config},
			role:       role,
			clusterBus: true,
		})
		if err != nil {
			c.Close()
			return nil, err
		}
		c.nodes = append(c.nodes, s)
	}
	if err := c.form(ctx); err != nil {
		err = fmt.Errorf("redistest: form cluster: %w%s", err, c.logs())
		c.Close()
		return nil, err
	}
	return c, nil
}

// form does what redis-cli --cluster create does, without needing redis-cli:
// distinct config epochs, slots split evenly over the masters, every node
// meets the first, then replicas attach.
func (c *Cluster) form(ctx context.Context) error {
	ids := make([]string, len(c.nodes))
	for i, n := range c.nodes {
		id, err := respString(ctx, n.admin, "CLUSTER", "MYID")
		if err != nil {
			return fmt.Errorf("%s: CLUSTER MYID: %w", n.Addr(), err)
		}
		ids[i] = id
		// Distinct epochs up front avoid the collision-resolution rounds
		// that otherwise delay agreement.
		if _, err := respDo(ctx, n.admin, "CLUSTER", "SET-CONFIG-EPOCH", strconv.Itoa(i+1)); err != nil {
			return fmt.Errorf("%s: CLUSTER SET-CONFIG-EPOCH: %w", n.Addr(), err)
		}
	}
	for i := range c.masters {
		lo, hi := i*slotCount/c.masters, (i+1)*slotCount/c.masters-1
		if _, err := respDo(ctx, c.nodes[i].admin, "CLUSTER", "ADDSLOTSRANGE", strconv.Itoa(lo), strconv.Itoa(hi)); err != nil {
			return fmt.Errorf("%s: CLUSTER ADDSLOTSRANGE: %w", c.nodes[i].Addr(), err)
		}
	}
	first := c.nodes[0]
	for _, n := range c.nodes[1:] {
		if _, err := respDo(ctx, n.admin, "CLUSTER", "MEET", "127.0.0.1", strconv.Itoa(first.port), strconv.Itoa(first.busPort)); err != nil {
			return fmt.Errorf("%s: CLUSTER MEET: %w", n.Addr(), err)
		}
	}
	// CLUSTER REPLICATE needs the replica to know its master already.
	if err := poll(ctx, func() error { return c.allKnown(ctx) }); err != nil {
		return err
	}
	for k, r := range c.Replicas() {
		master := k % c.masters
		if _, err := respDo(ctx, r.admin, "CLUSTER", "REPLICATE", ids[master]); err != nil {
			return fmt.Errorf("%s: CLUSTER REPLICATE: %w", r.Addr(), err)
		}
	}
	return c.WaitReady(ctx)
}

// Addrs are the addresses of the nodes started as masters
// ("127.0.0.1:port"), the seeds a cluster client needs. After a failover
// some of them may be replicas or down; cluster clients cope with that.
func (c *Cluster) Addrs() []string {
	addrs := make([]string, c.masters)
	for i, n := range c.Masters() {
		addrs[i] = n.Addr()
	}
	return addrs
}

// Nodes are all nodes: the initial masters first (in slot order), then the
// replicas. Replica k replicates master k % len(Masters()).
func (c *Cluster) Nodes() []*Server { return c.nodes }

// Masters are the nodes started as masters, in slot order: the first owns
// slot 0.
func (c *Cluster) Masters() []*Server { return c.nodes[:c.masters] }

// Replicas are the nodes started as replicas.
func (c *Cluster) Replicas() []*Server { return c.nodes[c.masters:] }

// URL is "redis+cluster://127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3" listing
// Addrs, with ":password@" after the scheme when there is a password and
// "rediss+cluster" with TLS. It contains the password: log RedactedURL.
func (c *Cluster) URL() string { return c.url().String() }

// RedactedURL is URL with the password replaced by "xxxxx".
func (c *Cluster) RedactedURL() string { return c.url().Redacted() }

func (c *Cluster) url() *url.URL {
	u := &url.URL{Scheme: "redis+cluster", Host: strings.Join(c.Addrs(), ",")}
	if c.tls {
		u.Scheme = "rediss+cluster"
	}
	if c.password != "" {
		u.User = url.UserPassword("", c.password)
	}
	return u
}

// Close kills every node and removes their directories.
func (c *Cluster) Close() error {
	var errs []error
	for _, n := range c.nodes {
		errs = append(errs, n.Close())
	}
	return errors.Join(errs...)
}

// logs is the tail of every node's log, for start-up errors.
func (c *Cluster) logs() string {
	var b strings.Builder
	for _, n := range c.nodes {
		fmt.Fprintf(&b, "\n--- log of %s ---\n%s", n.Addr(), n.logTail(1024))
	}
	return b.String()
}
