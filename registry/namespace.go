package registry

import "context"

// namespaceKey is the context key under which strata.Open passes the namespace of
// the cache it opens to the factory.
type namespaceKey struct{}

// WithNamespace returns a copy of ctx that carries namespace, the key prefix
// (strata.Options.Prefix) of the strata.Cache being opened. strata.Open calls it
// before Open; a program that opens an adapter itself for a Cache with a prefix can
// do the same.
func WithNamespace(ctx context.Context, namespace string) context.Context {
	return context.WithValue(ctx, namespaceKey{}, namespace)
}

// NamespaceFrom returns the namespace of the strata.Cache being opened (see
// WithNamespace), or "" when ctx carries none. A driver that publishes to other
// processes scopes its channel by it, so that caches with different prefixes on one
// backend never hear each other (drivers/redis names its default invalidation
// channel after it); keys are prefixed by the Cache, not by the driver, so a driver
// must not add it to its keys. A factory whose URL names other URLs (drivers/layered)
// opens them with the same ctx, so they inherit it.
func NamespaceFrom(ctx context.Context) string {
	ns, _ := ctx.Value(namespaceKey{}).(string)
	return ns
}
