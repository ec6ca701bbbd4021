package strata

import (
	"context"
	"errors"
	"fmt"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// Spans (Options.TracerProvider): one per Cache call, named strata.<Method>, a
// child of the span in the caller's ctx, with the attributes strata.op,
// strata.cache and strata.driver, and as each call has them strata.hit,
// strata.key_count, strata.hits and strata.misses (GetMany), strata.coalesced
// (GetOrSet). Keys (strata.key, strata.keys) and error messages, which name keys,
// are recorded only with Options.TraceKeys: keys may be personal data.

// withheld is the status description of a failed call whose error matches none of
// described, without Options.TraceKeys.
const withheld = "strata: call failed (the message may name keys; Options.TraceKeys records it)"

// described are the errors whose text a span's status may hold without
// Options.TraceKeys: none names a key. The first that a call's error wraps is used.
var described = []error{ErrUnavailable, context.DeadlineExceeded, context.Canceled, ErrCodec, ErrClosed,
	ErrInvalidKey, ErrInvalidTTL, ErrLoaderPanicked, ErrStale, ErrNotFound, errNilLoader}

// describe returns a key-free description of err.
func describe(err error) string {
	for _, d := range described {
		if errors.Is(err, d) {
			return d.Error()
		}
	}
	return withheld
}

// endSpan ends sp, the span of a call that returned err. A miss is an answer, not
// an error; any other error sets the span's status to Error, with the error's
// class as strata.error_class.
func (o *observer) endSpan(sp trace.Span, err error) {
	if err != nil && !errors.Is(err, ErrNotFound) {
		class := "none"
		if c := classify(err); c != classNone {
			class = classNames[c]
		}
		sp.SetAttributes(attribute.String("strata.error_class", class))
		if o.traceKeys {
			sp.RecordError(err)
			sp.SetStatus(codes.Error, err.Error())
		} else {
			sp.AddEvent("exception", trace.WithAttributes(attribute.String("exception.type", fmt.Sprintf("%T", err))))
			sp.SetStatus(codes.Error, describe(err))
		}
	}
	sp.End()
}

// spanKey adds key to sp, with Options.TraceKeys.
func (o *observer) spanKey(sp trace.Span, key string) {
	if sp != nil && o.traceKeys {
		sp.SetAttributes(attribute.String("strata.key", key))
	}
}

// spanKeys adds the number of keys to sp and, with Options.TraceKeys, the keys.
func (o *observer) spanKeys(sp trace.Span, keys []string) {
	if sp == nil {
		return
	}
	sp.SetAttributes(attribute.Int("strata.key_count", len(keys)))
	if o.traceKeys {
		sp.SetAttributes(attribute.StringSlice("strata.keys", keys))
	}
}

// spanHit adds whether a single-key read found its value to sp.
func spanHit(sp trace.Span, err error) {
	if sp != nil {
		sp.SetAttributes(attribute.Bool("strata.hit", err == nil))
	}
}

// spanCounts adds a batch read's hits and misses to sp.
func spanCounts(sp trace.Span, hits, misses int) {
	sp.SetAttributes(attribute.Int("strata.hits", hits), attribute.Int("strata.misses", misses))
}

// ctxSpanCoalesced marks the span of ctx as a GetOrSet call that waited for a load
// already in flight, when the Cache traces.
func (o *observer) ctxSpanCoalesced(ctx context.Context) {
	if o.tracer != nil {
		trace.SpanFromContext(ctx).SetAttributes(attribute.Bool("strata.coalesced", true))
	}
}
