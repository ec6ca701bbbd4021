package adapter

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// BatchError reports the keys a batch call could not serve, each with its own
// error. It comes beside the call's other results, which are valid: GetMany returns
// the values it could read together with a *BatchError naming the others. errors.Is
// and errors.As see every key's error, so errors.Is(err, ErrCodec) holds when some
// stored value could not be decoded.
//
// Drivers return it from Batcher.GetMany with the keys they were given; Cache turns
// those into the keys its caller passed.
type BatchError struct {
	// Errs maps each key that failed to its error.
	Errs map[string]error
}

// maxKeysInMessage bounds how many keys a BatchError's message names.
const maxKeysInMessage = 3

// Error names the failed keys (the first few, in order) and their errors.
func (e *BatchError) Error() string {
	keys := make([]string, 0, len(e.Errs))
	for k := range e.Errs {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	fmt.Fprintf(&b, "strata: %d key(s) of the batch could not be served", len(keys))
	for i, k := range keys {
		if i == maxKeysInMessage {
			fmt.Fprintf(&b, "; and %d more", len(keys)-i)
			break
		}
		fmt.Fprintf(&b, "; key %s: %v", QuoteKey(k), unkeyed(e.Errs[k], k))
	}
	return b.String()
}

// Unwrap returns every key's error.
func (e *BatchError) Unwrap() []error {
	out := make([]error, 0, len(e.Errs))
	for _, err := range e.Errs {
		out = append(out, err)
	}
	return out
}

// unkeyed is err without a KeyError naming key around it, since the message
// already names the key.
func unkeyed(err error, key string) error {
	var ke *KeyError
	if errors.As(err, &ke) && ke.Key == key && ke == err {
		return ke.Err
	}
	return err
}
