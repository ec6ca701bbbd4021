package memory

import "github.com/google/wire"

// ProviderSet provides a *Adapter from a *Options (nil: the defaults), with a cleanup
// that closes it. The application provides the *Options and binds the interface in
// its own injector:
//
//	func initCache(opts *memory.Options) (*strata.Cache[User], func(), error) {
//		wire.Build(
//			memory.ProviderSet,
//			wire.Bind(new(adapter.Adapter), new(*memory.Adapter)),
//			newUserCache, // func(a adapter.Adapter) *strata.Cache[User]
//		)
//		return nil, nil, nil
//	}
var ProviderSet = wire.NewSet(Provide)

// Provide is New for dependency injection: it returns the adapter together with a
// cleanup function that closes it.
func Provide(opts *Options) (*Adapter, func(), error) {
	a, err := New(opts)
	if err != nil {
		return nil, nil, err
	}
	return a, func() { _ = a.Close() }, nil
}
