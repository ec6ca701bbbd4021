package conformance

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2" //nolint:revive // the Ginkgo DSL reads best dot-imported
	. "github.com/onsi/gomega"    //nolint:revive // the Gomega DSL reads best dot-imported

	"github.com/stratacache/strata/adapter"
)

// closeCallers returns how many goroutines keep calling the adapter while it is
// closed: 32 per CPU, at least 64. Each of them is always ready to run, so a
// goroutine that Close waits for (a connection's reader, a background loop) waits
// for its turn behind them; more per CPU would measure the scheduler rather than
// the adapter.
func closeCallers() int { return max(64, 32*runtime.GOMAXPROCS(0)) }

// closeBound is how long Close may take while closeCallers goroutines keep calling:
// generous, since a prompt Close takes milliseconds, but one that waits until no
// call is in flight can take seconds, or never return, when calls keep arriving.
func (s *suite) closeBound() time.Duration { return 5*time.Second + 20*s.u }

func (s *suite) describeCloseUnderTraffic() {
	Describe("Close", func() {
		s.it("returns promptly while many goroutines keep calling", func(ctx SpecContext) {
			a, pfx := s.a, s.pfx // the goroutines must not read s
			callers := closeCallers()
			batcher, _ := a.(adapter.Batcher)
			var (
				p       problems
				closing atomic.Bool  // set just before Close is called
				closed  atomic.Bool  // set once Close has returned
				started atomic.Int64 // callers that finished a first round of calls
				last    atomic.Int64 // callers that made their last round after Close returned
				stop    = make(chan struct{})
				wg      sync.WaitGroup
				// returned receives what Close returned, and how long it took.
				returned = make(chan closeResult, 1)
			)
			halt := sync.OnceFunc(func() {
				close(stop)
				wg.Wait()
			})
			// However the spec ends, stop the callers, then wait for Close (which a
			// broken adapter only returns from once the calls stop), so that nothing
			// outlives the spec.
			defer func() {
				halt()
				if closing.Load() && !closed.Load() {
					select {
					case <-returned:
					case <-time.After(time.Minute):
					}
				}
			}()
			for g := range callers {
				wg.Go(func() {
					k := fmt.Sprintf("%straffic-%02d", pfx, g%16)
					value := []byte("v-" + k)
					// check is called when a call has returned. Once Close has
					// returned, every call must return ErrClosed. Before Close begins,
					// a call may only hit or miss. A call in flight while Close runs
					// may fail in other ways.
					check := func(op string, wasClosed bool, err error) {
						switch {
						case wasClosed:
							if !errors.Is(err, adapter.ErrClosed) {
								p.add("%s(%q) after Close returned: %v; want ErrClosed", op, k, err)
							}
						case !closing.Load() && err != nil && !errors.Is(err, adapter.ErrNotFound):
							p.add("%s(%q) before Close was called: %v", op, k, err)
						}
					}
					round := func() {
						wasClosed := closed.Load()
						for range 4 { // mostly reads, as caches get
							_, err := a.Get(ctx, k)
							check("Get", wasClosed, err)
						}
						check("Set", wasClosed, a.Set(ctx, k, value, time.Hour))
						if batcher != nil {
							_, err := batcher.GetMany(ctx, []string{k, pfx + "traffic-missing"})
							check("GetMany", wasClosed, err)
						}
					}
					round()
					started.Add(1)
					for ctx.Err() == nil {
						select {
						case <-stop:
							// One last round, all at once with the other callers: after
							// Close, every call returns ErrClosed.
							if closed.Load() {
								round()
								last.Add(1)
							}
							return
						default:
							round()
						}
					}
				})
			}
			// Every caller is going before Close is called.
			Eventually(ctx, started.Load).WithTimeout(time.Minute).WithPolling(s.poll).
				Should(BeEquivalentTo(callers), "callers that made a first round of calls")

			closing.Store(true)
			start := time.Now()
			go func() {
				err := a.Close()
				returned <- closeResult{time.Since(start), err}
			}()
			bound := s.closeBound()
			timer := time.NewTimer(bound)
			defer timer.Stop()
			var r closeResult
			select {
			case r = <-returned:
			case <-timer.C:
				// Close may have returned in time while this goroutine waited for a CPU:
				// its goroutine measured how long it took.
				select {
				case r = <-returned:
				default:
					r.took = -1
				}
			case <-ctx.Done():
				Fail("the spec ended before Close returned")
			}
			if r.took >= 0 {
				closed.Store(true) // Close has returned, in time or not
			}
			if r.took < 0 || r.took > bound {
				Fail(fmt.Sprintf("Close has not returned %v after it was called, with %d goroutines calling Get, Set and GetMany: "+
					"a call that arrives once Close has begun must be refused without holding Close up, and Close must not "+
					"wait for the stream of calls to pause", bound, callers))
			}
			halt()
			Expect(r.err).NotTo(HaveOccurred(), "Close")
			GinkgoWriter.Printf("Close returned after %v with %d goroutines calling\n", r.took, callers)

			Expect(last.Load()).To(BeEquivalentTo(callers), "callers that made a round of calls after Close returned")
			Expect(p.get()).To(BeEmpty())
			s.expectDriverErrors(ctx, matchErr(adapter.ErrClosed))
		})
	})
}

// closeResult is what Close returned, and how long it took.
type closeResult struct {
	took time.Duration
	err  error
}
